package io.sipflow.app;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns at start when SipFlow runs on ZGC without a soft heap limit below its maximum heap. ZGC then
 * paces its cycles on the whole heap, and the first cycle after a jump in traffic (a PBX fleet
 * re-registering, a load step) started at 84-94 % of the heap in the bench: allocation ran out before
 * the cycle ended and every SIP thread stalled ~0.5 s, which the load shedding answered with 503s.
 * With {@code -XX:SoftMaxHeapSize} at half the heap the cycles start early and the other half takes
 * the jump (the Dockerfile's setting; README, Performance).
 */
final class ZgcHeadroomCheck {

    private static final Logger LOG = LoggerFactory.getLogger(ZgcHeadroomCheck.class);

    private ZgcHeadroomCheck() {
    }

    /** Whether this JVM collects with ZGC. */
    static boolean runningZgc() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName).anyMatch(name -> name.startsWith("ZGC"));
    }

    /** Logs the warning when it applies; never fails the start. */
    static void warnIfZgcHasNoHeadroom() {
        if (!runningZgc()) {
            return;
        }
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            long softMax = Long.parseLong(hotspot.getVMOption("SoftMaxHeapSize").getValue());
            long maxHeap = Long.parseLong(hotspot.getVMOption("MaxHeapSize").getValue());
            advice(softMax, maxHeap).ifPresent(LOG::warn);
        } catch (RuntimeException e) {
            LOG.debug("Cannot read the JVM's heap options: {}", e.toString());
        }
    }

    /** The warning for ZGC with this soft limit and maximum heap (bytes), if one is due. */
    static Optional<String> advice(long softMaxHeapSize, long maxHeapSize) {
        if (softMaxHeapSize < maxHeapSize) {
            return Optional.empty();
        }
        long mib = maxHeapSize / (1024 * 1024);
        return Optional.of("ZGC runs without a soft heap limit (-XX:SoftMaxHeapSize = the " + mib + " MiB heap): "
                + "a jump in traffic can stall every SIP thread while a late GC cycle finishes. Start the JVM with "
                + "-XX:SoftMaxHeapSize=" + (mib / 2) + "m (half the heap), as the Dockerfile does");
    }
}
