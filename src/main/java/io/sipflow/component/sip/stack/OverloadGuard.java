package io.sipflow.component.sip.stack;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which new requests SipFlow takes in, from signals that show local overload:
 * <ul>
 * <li><b>queueing delay</b> — the primary signal: how long datagrams wait in the receive queue
 *     before a SIP thread takes them ({@link ReceiveQueues}), as a standing delay (the minimum over
 *     100 ms, {@link StandingDelay}: a burst drained at once does not count). It grows as soon as
 *     the SIP threads cannot keep up, whatever the cause (CPU, GC, blocked threads), long before
 *     clients retransmit (T1 = 500 ms) and relays time out, and every reply SipFlow waits for sits
 *     in the same queue. Over the high mark SipFlow is <i>congested</i>: it admits only a share of
 *     the new requests, cut by a quarter every 100 ms while the delay stays over the low mark and
 *     does not fall fast enough, held while it falls towards the low mark within T1 (500 ms, before
 *     clients retransmit: the last cut works, cutting again while the backlog drains would
 *     overshoot and shed what the box could serve), and raised by 5 points while it is under the
 *     low mark (AIMD, like OpenSIPS ratelimit's FEEDBACK pipes), so the admitted load settles at
 *     what the box can serve instead of flapping between all and nothing; congestion ends when
 *     everything is admitted again and the delay is under the low
 *     mark. Datagrams that waited longer than {@code drop-after} (their senders have retransmitted
 *     them by then) are dropped unread, the last resort when even shedding cannot keep up;</li>
 * <li><b>requests in flight</b> — received and not yet answered (INVITE: until it rings): bounds
 *     the memory held by exchanges waiting on slow next hops; over the limit every new request is
 *     shed, until under 80 % of it;</li>
 * <li><b>the JAIN-SIP transaction table</b>, from 80 % of {@code sipflow.sip.max-server-transactions}
 *     (where the stack itself would start dropping requests silently) to 70 %;</li>
 * <li>the operator's <b>admission cap</b> (requests/s, a token bucket).</li>
 * </ul>
 * One thread samples every {@value #PROBE_INTERVAL_MS} ms; the SIP threads read volatile fields
 * (and take a token when a cap is set). One WARN line when shedding starts, one INFO line with the
 * counts when it ends.
 */
public final class OverloadGuard implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OverloadGuard.class);
    static final long PROBE_INTERVAL_MS = 10;
    /** Standing delay window: {@value} probes (100 ms). */
    static final int WINDOW_PROBES = 10;
    /** The admitted share is adjusted once per window. */
    static final long DECISION_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(PROBE_INTERVAL_MS * WINDOW_PROBES);
    /** Admitted share, in thousandths: all, the cut (x 3/4), the step back up, and under what it is nothing. */
    static final int SHARE_ALL = 1000;
    static final int SHARE_STEP = 50;
    static final int SHARE_FLOOR = 10;
    /** A draining queue keeps its share if at its pace it is under the low mark within this many windows (T1 = 500 ms). */
    static final int DRAIN_HORIZON_WINDOWS = 5;
    /** A shedding episode ends after this long without a signal on and without a request over the cap. */
    static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final OverloadSettings settings;
    private final ReceiveQueues queues;
    private final IntSupplier transactionTableSize;
    private final int transactionTableHigh;
    private final int transactionTableLow;
    private final LongAdder shedCount;
    private final LongAdder staleDrops;
    private final AdmissionRateLimiter limiter;
    private final LongAdder inFlight = new LongAdder();
    private final LongAdder overCap = new LongAdder();
    private final StandingDelay standing = new StandingDelay(WINDOW_PROBES);
    private ScheduledExecutorService sampler;

    // written by the sampling thread only
    private long lastDecisionNanos;
    private long delayAtLastDecision;
    private boolean queueCongested;
    private boolean tooManyInFlight;
    private boolean tableFull;
    private boolean episode;
    private boolean droppingLogged;
    private long episodeStartNanos;
    private long lastActiveNanos;
    private long shedAtEpisodeStart;
    private long dropsAtEpisodeStart;
    private long shedAtLastDecision;
    private long dropsAtLastDecision;
    private long overCapAtLastDecision;

    // read by the SIP threads and the meters
    private volatile boolean hardLimit;
    private volatile int admitPermille = SHARE_ALL;
    private volatile boolean congested;
    private volatile long congestionEndedNanos;
    private volatile boolean shedding;
    private volatile long standingDelayMillis;

    /**
     * @param queues                 the receive queues watched (and trimmed of stale datagrams)
     * @param transactionTableSize   the stack's server transaction count
     * @param maxServerTransactions  {@code sipflow.sip.max-server-transactions}
     * @param shedCount              what counts the 503s sent while shedding (for the end-of-episode line)
     * @param staleDrops             where datagrams dropped unread are counted
     */
    public OverloadGuard(OverloadSettings settings, ReceiveQueues queues, IntSupplier transactionTableSize,
            int maxServerTransactions, LongAdder shedCount, LongAdder staleDrops, long nowNanos) {
        this.settings = settings;
        this.queues = queues;
        this.transactionTableSize = transactionTableSize;
        this.transactionTableHigh = (int) (maxServerTransactions * 8L / 10);
        this.transactionTableLow = (int) (maxServerTransactions * 7L / 10);
        this.shedCount = shedCount;
        this.staleDrops = staleDrops;
        this.limiter = settings.maxRate() > 0 ? new AdmissionRateLimiter(settings.maxRate(), nowNanos) : null;
        this.congestionEndedNanos = nowNanos - TimeUnit.DAYS.toNanos(1);
        this.lastDecisionNanos = nowNanos;
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
        executor.scheduleWithFixedDelay(this::sampleNow, PROBE_INTERVAL_MS, PROBE_INTERVAL_MS, TimeUnit.MILLISECONDS);
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
        return !settings.enabled() || (!hardLimit && admitPermille == SHARE_ALL && limiter == null);
    }

    /**
     * Whether a new request (no To tag, not ACK/CANCEL, not a retransmission) may enter. Takes a
     * token of the admission cap when one is set.
     */
    public boolean admit(long nowNanos) {
        if (!settings.enabled()) {
            return true;
        }
        if (hardLimit) {
            return false;
        }
        int share = admitPermille;
        if (share < SHARE_ALL && ThreadLocalRandom.current().nextInt(SHARE_ALL) >= share) {
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
     * True when the receive queue was congested at any time since {@code sinceNanos} (or its oldest
     * datagram waits over the high mark right now): a relay that timed out in that window says
     * nothing about the next hop, its answer may be waiting in our own queue.
     */
    public boolean congestedSince(long sinceNanos) {
        return congested || congestionEndedNanos - sinceNanos >= 0
                || queues.oldestWaitMillis() >= settings.queueDelayHigh().toMillis();
    }

    // ---- readings --------------------------------------------------------------------------------

    /** True while new requests are being shed (or would be, with shedding off). */
    public boolean isShedding() {
        return shedding;
    }

    /** True while a signal is over its mark (queue delay, in flight, transaction table). */
    public boolean isOverloaded() {
        return congested || hardLimit;
    }

    /** True while the receive queue delay is congested (see the class comment). */
    public boolean isCongested() {
        return congested;
    }

    /** Share of new requests admitted (1 when not congested; the in-flight and table limits and the cap apply on top). */
    public double admitShare() {
        return admitPermille / (double) SHARE_ALL;
    }

    /** Requests received and not yet answered. */
    public long inFlight() {
        return inFlight.sum();
    }

    /** The standing receive queue delay at the last sample, in milliseconds. */
    public long queueDelayMillis() {
        return standingDelayMillis;
    }

    public OverloadSettings settings() {
        return settings;
    }

    // ---- sampling --------------------------------------------------------------------------------

    /** One probe of the receive queue; every {@link #DECISION_INTERVAL_NANOS} also a decision. */
    synchronized void sample(long nowNanos) {
        long oldest = queues.oldestWaitMillis();
        long dropAfter = settings.dropAfter().toMillis();
        if (settings.enabled() && dropAfter > 0 && oldest > dropAfter) {
            int dropped = queues.dropOlderThan(dropAfter);
            staleDrops.add(dropped);
        }
        standingDelayMillis = standing.add(oldest);
        if (nowNanos - lastDecisionNanos >= DECISION_INTERVAL_NANOS) {
            lastDecisionNanos = nowNanos;
            decide(nowNanos, standingDelayMillis);
        }
    }

    private void decide(long nowNanos, long delay) {
        long high = settings.queueDelayHigh().toMillis();
        long low = settings.queueDelayLow().toMillis();
        boolean wasCongested = queueCongested;
        int share = admitPermille;
        if (!queueCongested) {
            if (delay >= high) {
                queueCongested = true;
                share = cut(SHARE_ALL);
            }
        } else if (delay >= low) {
            if (!drainsInTime(delay, low)) {
                share = cut(share);
            }
        } else {
            share = Math.min(SHARE_ALL, share + SHARE_STEP);
            queueCongested = share < SHARE_ALL;
        }
        delayAtLastDecision = delay;
        admitPermille = queueCongested ? share : SHARE_ALL;
        if (wasCongested && !queueCongested) {
            congestionEndedNanos = nowNanos;
        }
        congested = queueCongested;

        long inFlightNow = inFlight.sum();
        int table = transactionTableSize.getAsInt();
        if (settings.maxInFlight() > 0) {
            tooManyInFlight = tooManyInFlight ? inFlightNow >= settings.inFlightLow() : inFlightNow >= settings.maxInFlight();
        }
        tableFull = tableFull ? table >= transactionTableLow : table >= transactionTableHigh;
        hardLimit = tooManyInFlight || tableFull;

        long overCapNow = overCap.sum();
        boolean capped = overCapNow != overCapAtLastDecision;
        overCapAtLastDecision = overCapNow;
        long shedNow = shedCount.sum();
        long dropsNow = staleDrops.sum();
        if (queueCongested || hardLimit || capped) {
            lastActiveNanos = nowNanos;
            if (!episode) {
                episode = true;
                episodeStartNanos = nowNanos;
                shedAtEpisodeStart = shedAtLastDecision;
                dropsAtEpisodeStart = dropsAtLastDecision;
                String why = reasons(delay, inFlightNow, table, capped);
                if (settings.enabled()) {
                    LOG.warn("Overloaded: new requests get 503 + Retry-After ({})", why);
                } else {
                    LOG.warn("Overloaded ({}); shedding is off (sipflow.sip.overload.enabled=false)", why);
                }
            }
            if (!droppingLogged && dropsNow > dropsAtEpisodeStart) {
                droppingLogged = true;
                LOG.warn("Overloaded beyond shedding: datagrams waiting over {} ms are dropped unread", settings.dropAfter().toMillis());
            }
        } else if (episode && nowNanos - lastActiveNanos >= QUIET_NANOS) {
            episode = false;
            droppingLogged = false;
            String seconds = String.format(Locale.ROOT, "%.1f", (lastActiveNanos - episodeStartNanos) / 1e9);
            LOG.info("Overload over after {} s: {} new request(s) shed with 503, {} stale datagram(s) dropped", seconds,
                    shedNow - shedAtEpisodeStart, dropsNow - dropsAtEpisodeStart);
        }
        shedAtLastDecision = shedNow;
        dropsAtLastDecision = dropsNow;
        shedding = episode;
    }

    /**
     * True when the delay fell since the last decision fast enough to be under the low mark within
     * {@value #DRAIN_HORIZON_WINDOWS} windows at that pace.
     */
    private boolean drainsInTime(long delay, long low) {
        long fall = delayAtLastDecision - delay;
        return fall > 0 && delay - low <= fall * DRAIN_HORIZON_WINDOWS;
    }

    /** Multiplicative decrease: a quarter off, nothing under the floor. */
    private static int cut(int share) {
        int cut = share * 3 / 4;
        return cut < SHARE_FLOOR ? 0 : cut;
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
