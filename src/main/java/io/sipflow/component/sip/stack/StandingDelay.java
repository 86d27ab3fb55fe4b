package io.sipflow.component.sip.stack;

/**
 * The standing queueing delay: the smallest of the last few samples of the oldest wait in the
 * receive queue (CoDel's insight, RFC 8289): a burst that the SIP threads drain at once (a GC pause,
 * a retransmission wave) leaves at least one low sample in the window and does not count; a queue
 * that never empties during the whole window does. Used by one thread only.
 */
final class StandingDelay {

    private final long[] samples;
    private int next;
    private int filled;

    StandingDelay(int windowSamples) {
        if (windowSamples < 1) {
            throw new IllegalArgumentException("window must hold at least one sample");
        }
        this.samples = new long[windowSamples];
    }

    /** Adds a sample (ms) and returns the minimum over the window (0 until the window is full). */
    long add(long delayMillis) {
        samples[next] = delayMillis;
        next = (next + 1) % samples.length;
        if (filled < samples.length) {
            filled++;
            if (filled < samples.length) {
                return 0;
            }
        }
        long min = Long.MAX_VALUE;
        for (long s : samples) {
            min = Math.min(min, s);
        }
        return min;
    }
}
