package io.sipflow.component.sip.stack;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether SipFlow is overloaded, from signals that show local overload, each with
 * hysteresis (on at a high mark, off only under a lower one):
 * <ul>
 * <li>queueing delay — how long the oldest datagram has waited in JAIN-SIP's receive queue
 *     ({@link ReceiveQueueProbe}); the primary signal: it grows as soon as the SIP threads cannot keep
 *     up, whatever the cause, long before clients retransmit (T1 = 500 ms) and relays time out;</li>
 * <li>requests in flight — received and not yet answered (INVITE: until it rings): bounds the
 *     memory held by exchanges waiting on slow next hops;</li>
 * <li>the JAIN-SIP transaction table, from 80 % of {@code sipflow.sip.max-server-transactions}
 *     (where the stack itself would start dropping requests silently);</li>
 * </ul>
 * plus the operator's admission cap (requests/s, a token bucket). The signals are sampled every
 * {@link #SAMPLE_INTERVAL_MS} ms on one thread; the SIP threads only read a volatile flag (and take
 * a token when a cap is set). One WARN line when shedding starts, one INFO line with the count when
 * it ends.
 */
public final class OverloadGuard implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OverloadGuard.class);
    static final long SAMPLE_INTERVAL_MS = 50;
    /** A shedding episode ends after this long without a signal on and without a request over the cap. */
    static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final OverloadSettings settings;
    private final LongSupplier queueDelayMillis;
    private final IntSupplier transactionTableSize;
    private final int transactionTableHigh;
    private final int transactionTableLow;
    private final LongAdder shedCount;
    private final AdmissionRateLimiter limiter;
    private final LongAdder inFlight = new LongAdder();
    private final LongAdder overCap = new LongAdder();
    private ScheduledExecutorService sampler;

    // written by the sampling thread only
    private boolean queueCongested;
    private boolean tooManyInFlight;
    private boolean tableFull;
    private boolean episode;
    private long episodeStartNanos;
    private long lastActiveNanos;
    private long shedAtEpisodeStart;
    private long shedAtLastSample;
    private long overCapAtLastSample;

    // read by the SIP threads and the meters
    private volatile boolean overloaded;
    private volatile boolean congested;
    private volatile long congestionEndedNanos;
    private volatile boolean shedding;
    private volatile long lastQueueDelayMillis;

    /**
     * @param queueDelayMillis       the receive queues' oldest wait (ms), read on every sample
     * @param transactionTableSize   the stack's server transaction count
     * @param maxServerTransactions  {@code sipflow.sip.max-server-transactions}
     * @param shedCount              what counts the 503s sent while shedding (for the end-of-episode line)
     */
    public OverloadGuard(OverloadSettings settings, LongSupplier queueDelayMillis, IntSupplier transactionTableSize,
            int maxServerTransactions, LongAdder shedCount, long nowNanos) {
        this.settings = settings;
        this.queueDelayMillis = queueDelayMillis;
        this.transactionTableSize = transactionTableSize;
        this.transactionTableHigh = (int) (maxServerTransactions * 8L / 10);
        this.transactionTableLow = (int) (maxServerTransactions * 7L / 10);
        this.shedCount = shedCount;
        this.limiter = settings.maxRate() > 0 ? new AdmissionRateLimiter(settings.maxRate(), nowNanos) : null;
        this.congestionEndedNanos = nowNanos - TimeUnit.DAYS.toNanos(1);
    }

    /** Starts sampling on its own daemon thread. */
    public synchronized void start() {
        if (sampler != null) {
            return;
        }
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "sipflow-overload");
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::sampleNow, SAMPLE_INTERVAL_MS, SAMPLE_INTERVAL_MS, TimeUnit.MILLISECONDS);
        sampler = executor;
    }

    @Override
    public synchronized void close() {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
    }

    private void sampleNow() {
        try {
            sample(System.nanoTime());
        } catch (RuntimeException e) {
            LOG.warn("Overload sampling failed: {}", e.toString());
        }
    }

    // ---- on the SIP threads ----------------------------------------------------------------------

    /** True when every new request is admitted without asking (no overload, no cap): the cheap path. */
    public boolean admitsEverything() {
        return !settings.enabled() || (!overloaded && limiter == null);
    }

    /**
     * Whether a new request (no To tag, not ACK/CANCEL, not a retransmission) may enter. Takes a
     * token of the admission cap when one is set.
     */
    public boolean admit(long nowNanos) {
        if (!settings.enabled()) {
            return true;
        }
        if (overloaded) {
            return false;
        }
        if (limiter != null && !limiter.tryAcquire(nowNanos)) {
            overCap.increment();
            return false;
        }
        return true;
    }

    /** A request was taken in (it will get an answer). */
    public void requestStarted() {
        inFlight.increment();
    }

    /** A request taken in got its answer (INVITE: rang or got its final). */
    public void requestAnswered() {
        inFlight.decrement();
    }

    /**
     * True when the receive queue was congested at any time since {@code sinceNanos} (or is now,
     * measured on the spot): a relay that timed out in that window says nothing about the next hop,
     * its answer may be waiting in our own queue.
     */
    public boolean congestedSince(long sinceNanos) {
        return congested || congestionEndedNanos - sinceNanos >= 0
                || queueDelayMillis.getAsLong() >= settings.queueDelayHigh().toMillis();
    }

    // ---- readings --------------------------------------------------------------------------------

    /** True while new requests are being shed (or would be, with shedding off). */
    public boolean isShedding() {
        return shedding;
    }

    /** True while a signal is over its mark (queue delay, in flight, transaction table). */
    public boolean isOverloaded() {
        return overloaded;
    }

    /** True while the receive queue delay is over its mark. */
    public boolean isCongested() {
        return congested;
    }

    /** Requests received and not yet answered. */
    public long inFlight() {
        return inFlight.sum();
    }

    /** The receive queue delay at the last sample, in milliseconds. */
    public long queueDelayMillis() {
        return lastQueueDelayMillis;
    }

    public OverloadSettings settings() {
        return settings;
    }

    // ---- sampling --------------------------------------------------------------------------------

    /** One sample of the signals: updates the flags, logs when an episode starts or ends. */
    synchronized void sample(long nowNanos) {
        long delay = queueDelayMillis.getAsLong();
        lastQueueDelayMillis = delay;
        long inFlightNow = inFlight.sum();
        int table = transactionTableSize.getAsInt();

        boolean wasCongested = queueCongested;
        queueCongested = queueCongested ? delay >= settings.queueDelayLow().toMillis()
                : delay >= settings.queueDelayHigh().toMillis();
        if (settings.maxInFlight() > 0) {
            tooManyInFlight = tooManyInFlight ? inFlightNow >= settings.inFlightLow() : inFlightNow >= settings.maxInFlight();
        }
        tableFull = tableFull ? table >= transactionTableLow : table >= transactionTableHigh;
        if (wasCongested && !queueCongested) {
            congestionEndedNanos = nowNanos;
        }
        congested = queueCongested;
        boolean signal = queueCongested || tooManyInFlight || tableFull;
        overloaded = signal;

        long overCapNow = overCap.sum();
        boolean capped = overCapNow != overCapAtLastSample;
        overCapAtLastSample = overCapNow;
        long shedNow = shedCount.sum();
        if (signal || capped) {
            lastActiveNanos = nowNanos;
            if (!episode) {
                episode = true;
                episodeStartNanos = nowNanos;
                shedAtEpisodeStart = shedAtLastSample;
                String why = reasons(delay, inFlightNow, table, capped);
                if (settings.enabled()) {
                    LOG.warn("Overloaded: new requests get 503 + Retry-After ({})", why);
                } else {
                    LOG.warn("Overloaded ({}); shedding is off (sipflow.sip.overload.enabled=false)", why);
                }
            }
        } else if (episode && nowNanos - lastActiveNanos >= QUIET_NANOS) {
            episode = false;
            String seconds = String.format(Locale.ROOT, "%.1f", (lastActiveNanos - episodeStartNanos) / 1e9);
            LOG.info("Overload over after {} s: {} new request(s) shed with 503", seconds, shedNow - shedAtEpisodeStart);
        }
        shedAtLastSample = shedNow;
        shedding = episode;
    }

    private String reasons(long delay, long inFlightNow, int table, boolean capped) {
        List<String> why = new ArrayList<>(4);
        if (queueCongested) {
            why.add("receive queue delay " + delay + " ms >= " + settings.queueDelayHigh().toMillis() + " ms");
        }
        if (tooManyInFlight) {
            why.add(inFlightNow + " requests in flight >= " + settings.maxInFlight());
        }
        if (tableFull) {
            why.add(table + " server transactions >= " + transactionTableHigh);
        }
        if (capped) {
            why.add("over the admission cap of " + settings.maxRate() + "/s");
        }
        return String.join(", ", why);
    }
}
