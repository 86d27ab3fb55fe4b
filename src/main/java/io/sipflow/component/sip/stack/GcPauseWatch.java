package io.sipflow.component.sip.stack;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns when the JVM stops for a garbage collection at least as long as the load shedder's high
 * mark ({@code sipflow.sip.overload.queue-delay-high}). Every datagram that arrives during such a
 * pause waits that long in the receive queue, so the shedder reads the pause as overload and
 * answers 503 to requests the SIP threads could have carried once it ended. Stop-the-world
 * collectors do that at load: ParallelGC's young pauses were 150-280 ms at 3,000-6,000 REGISTER/s
 * with a 4 GiB heap (bench/results/session12); ZGC's pauses stay under a millisecond.
 *
 * <p>Only pauses count: the JVM reports a concurrent collector's whole cycle too ("end of GC
 * cycle", "end of concurrent GC"), which the SIP threads run through. One WARN line on the first
 * long pause, then at most one per {@link #WARN_INTERVAL} with the count so far.
 */
final class GcPauseWatch implements AutoCloseable {

    static final Duration WARN_INTERVAL = Duration.ofMinutes(10);

    private static final Logger LOG = LoggerFactory.getLogger(GcPauseWatch.class);

    private final long highMarkMillis;
    private final LongSupplier nanoClock;
    private final AtomicLong collections = new AtomicLong();
    private final AtomicLong longPauses = new AtomicLong();
    private final AtomicLong warnings = new AtomicLong();
    private long lastWarningNanos;
    private final List<Runnable> unsubscribers = new ArrayList<>();

    GcPauseWatch(Duration highMark, LongSupplier nanoClock) {
        this.highMarkMillis = highMark.toMillis();
        this.nanoClock = nanoClock;
    }

    /** A watch listening to every collector of this JVM until closed. */
    static GcPauseWatch start(Duration highMark) {
        GcPauseWatch watch = new GcPauseWatch(highMark, System::nanoTime);
        NotificationListener listener = (notification, handback) -> watch.onNotification(notification);
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                watch.unsubscribers.add(() -> {
                    try {
                        emitter.removeNotificationListener(listener);
                    } catch (ListenerNotFoundException e) {
                        // already gone
                    }
                });
            }
        }
        return watch;
    }

    private void onNotification(Notification notification) {
        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            onCollection(info.getGcName(), info.getGcAction(), info.getGcCause(), info.getGcInfo().getDuration());
        }
    }

    /**
     * One collection as the JVM reports it.
     *
     * @param action "end of minor GC", "end of major GC", "end of GC pause" (pauses) or a concurrent
     *               collector's "end of GC cycle" / "end of concurrent GC" (not pauses)
     */
    void onCollection(String gcName, String action, String cause, long durationMillis) {
        collections.incrementAndGet();
        if (!isPause(action) || durationMillis < highMarkMillis) {
            return;
        }
        long count = longPauses.incrementAndGet();
        long now = nanoClock.getAsLong();
        synchronized (this) {
            if (warnings.get() > 0 && now - lastWarningNanos < WARN_INTERVAL.toNanos()) {
                return;
            }
            lastWarningNanos = now;
            warnings.incrementAndGet();
        }
        LOG.warn("GC pause of {} ms ({}, {}) is not shorter than sipflow.sip.overload.queue-delay-high ({} ms): "
                + "the load shedder reads such pauses as overload and answers 503 to requests the SIP threads could "
                + "carry. Run a concurrent collector (ZGC) or raise queue-delay-high above the longest pause "
                + "(README, Performance: choosing the garbage collector); {} such pause(s) so far",
                durationMillis, gcName, cause, highMarkMillis, count);
    }

    static boolean isPause(String action) {
        return action != null && (action.contains("minor GC") || action.contains("major GC") || action.contains("GC pause"));
    }

    /** Collections reported since start, pauses or not. */
    long collections() {
        return collections.get();
    }

    /** Pauses at least as long as the high mark. */
    long longPauses() {
        return longPauses.get();
    }

    /** WARN lines written. */
    long warnings() {
        return warnings.get();
    }

    @Override
    public void close() {
        unsubscribers.forEach(Runnable::run);
        unsubscribers.clear();
    }
}
