package io.sipflow.module.forwarding;

import java.time.Duration;

/**
 * Timers of the forwarding module ({@code sipflow.forwarding.*}).
 *
 * @param retryMin      first retry delay after a failure; doubled per consecutive failure
 * @param retryMax      cap of the retry delay
 * @param refreshMargin refresh this long before the secondary's expiry (at most half the granted time)
 *                      when no mirrored endpoint refresh has done it by then
 * @param tick          how often due refreshes and retries are looked for
 * @param refresh       whether every endpoint refresh is mirrored, or only those that find the
 *                      secondary registration due
 */
public record ForwardingPolicy(Duration retryMin, Duration retryMax, Duration refreshMargin, Duration tick,
        SecondaryRefresh refresh) {

    public ForwardingPolicy {
        if (retryMin.isNegative() || retryMin.isZero() || retryMax.compareTo(retryMin) < 0) {
            throw new IllegalArgumentException("retry delays must be positive with max >= min");
        }
        java.util.Objects.requireNonNull(refresh, "refresh");
    }

    /** Whether an endpoint refresh asks for a secondary REGISTER even while the secondary's is not due. */
    public boolean mirrorsEveryEndpointRefresh() {
        return refresh == SecondaryRefresh.EVERY_REGISTER;
    }

    /** Delay before retry number {@code attempts} (1 = first failure): min x 2^(attempts-1), capped. */
    public long retryDelayMs(int attempts) {
        long delay = retryMin.toMillis();
        for (int i = 1; i < attempts && delay < retryMax.toMillis(); i++) {
            delay *= 2;
        }
        return Math.min(delay, retryMax.toMillis());
    }

    /** When to refresh a registration granted {@code grantedSeconds} at {@code sentAtMs}. */
    public long refreshAtMs(long sentAtMs, int grantedSeconds) {
        long granted = grantedSeconds * 1000L;
        return sentAtMs + granted - Math.min(refreshMargin.toMillis(), granted / 2);
    }
}
