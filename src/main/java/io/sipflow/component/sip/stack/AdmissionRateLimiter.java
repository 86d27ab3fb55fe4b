package io.sipflow.component.sip.stack;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The operator's admission cap ({@code sipflow.sip.overload.max-rate}): a token bucket of one
 * second's worth of requests, refilled at the rate, kept as the generic cell rate algorithm (one
 * "theoretical arrival time" in an {@link AtomicLong}: no lock, no refill thread).
 */
final class AdmissionRateLimiter {

    private final long intervalNanos;
    private final long toleranceNanos;
    private final AtomicLong theoreticalArrival;

    /** @param perSecond requests per second, at least 1; bursts of {@code perSecond} pass at once */
    AdmissionRateLimiter(int perSecond, long nowNanos) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("rate must be at least 1 per second");
        }
        this.intervalNanos = 1_000_000_000L / perSecond;
        this.toleranceNanos = intervalNanos * (perSecond - 1L);
        this.theoreticalArrival = new AtomicLong(nowNanos);
    }

    /** Takes one token if there is one. */
    boolean tryAcquire(long nowNanos) {
        while (true) {
            long tat = theoreticalArrival.get();
            long start = tat - nowNanos > 0 ? tat : nowNanos;
            if (start - nowNanos > toleranceNanos) {
                return false;
            }
            if (theoreticalArrival.compareAndSet(tat, start + intervalNanos)) {
                return true;
            }
        }
    }
}
