package io.sipflow.component.sip.stack;

import java.time.Duration;

/**
 * Validated load-shedding settings ({@code sipflow.sip.overload.*}); every invalid value fails with
 * the property's name.
 *
 * @param enabled            false: nothing is shed (but on shutdown) and nothing dropped
 * @param queueDelayHigh     a standing receive queue delay this long starts shedding
 * @param queueDelayLow      while shedding, the admitted share shrinks as long as the delay is over
 *                           this and grows back under it; shedding ends when all is admitted again
 * @param dropAfter          datagrams that waited longer than this are dropped unread (0 = never)
 * @param maxInFlight        requests received and not yet answered (INVITE: not yet ringing) that
 *                           start shedding; it stops under 80 % of it. 0 = no limit
 * @param maxRate            admission cap, new requests per second (bursts of one second's worth
 *                           pass); 0 = no cap
 * @param retryAfter         {@code Retry-After} seconds in a shed 503
 * @param retryAfterSpread   a random 0..this many seconds added, so shed clients do not return together
 */
public record OverloadSettings(
        boolean enabled,
        Duration queueDelayHigh,
        Duration queueDelayLow,
        Duration dropAfter,
        int maxInFlight,
        int maxRate,
        int retryAfter,
        int retryAfterSpread) {

    /** What SipFlow runs with when nothing is configured (the application.properties defaults). */
    public static final OverloadSettings DEFAULTS = new OverloadSettings(true, Duration.ofMillis(100),
            Duration.ofMillis(20), Duration.ofMillis(500), 10_000, 0, 5, 5);

    public OverloadSettings {
        if (queueDelayHigh.isNegative() || queueDelayHigh.isZero()) {
            throw new IllegalArgumentException("sipflow.sip.overload.queue-delay-high must be positive");
        }
        if (queueDelayLow.isNegative() || queueDelayLow.compareTo(queueDelayHigh) >= 0) {
            throw new IllegalArgumentException("sipflow.sip.overload.queue-delay-low must be at least 0 and below "
                    + "sipflow.sip.overload.queue-delay-high (" + queueDelayHigh.toMillis() + "ms), was "
                    + queueDelayLow.toMillis() + "ms");
        }
        if (dropAfter.isNegative() || (!dropAfter.isZero() && dropAfter.compareTo(queueDelayHigh) <= 0)) {
            throw new IllegalArgumentException("sipflow.sip.overload.drop-after must be 0 (never) or above "
                    + "sipflow.sip.overload.queue-delay-high (" + queueDelayHigh.toMillis() + "ms), was " + dropAfter.toMillis() + "ms");
        }
        requireAtLeast(maxInFlight, 0, "sipflow.sip.overload.max-in-flight");
        requireAtLeast(maxRate, 0, "sipflow.sip.overload.max-rate");
        requireAtLeast(retryAfter, 1, "sipflow.sip.overload.retry-after");
        requireAtLeast(retryAfterSpread, 0, "sipflow.sip.overload.retry-after-spread");
    }

    /** In-flight count under which shedding for in-flight requests stops. */
    public int inFlightLow() {
        return maxInFlight * 8 / 10;
    }

    private static void requireAtLeast(int value, int min, String name) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
        }
    }
}
