package io.sipflow.component.sip.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.sipflow.testsupport.CapturedLog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Collections as the JVM reports them: which are pauses, which are long, how often it warns; and a real JVM's reports. */
class GcPauseWatchTest {

    private static final long MINUTE = TimeUnit.MINUTES.toNanos(1);

    @RegisterExtension
    final CapturedLog log = new CapturedLog(GcPauseWatch.class);
    private long now = 5 * MINUTE;

    @Test
    void pausesAtOrOverTheHighMarkCountConcurrentCyclesAndShortPausesDoNot() {
        GcPauseWatch watch = new GcPauseWatch(Duration.ofMillis(100), () -> now);
        watch.onCollection("PS Scavenge", "end of minor GC", "Allocation Failure", 99);
        watch.onCollection("G1 Young Generation", "end of minor GC", "G1 Evacuation Pause", 40);
        watch.onCollection("ZGC Cycles", "end of GC cycle", "Allocation Rate", 2_000);
        watch.onCollection("G1 Concurrent GC", "end of concurrent GC", "Concurrent Cycle", 900);
        watch.onCollection("ZGC Pauses", "end of GC pause", "Allocation Rate", 0);
        assertEquals(5, watch.collections());
        assertEquals(0, watch.longPauses());
        assertTrue(warnLines().isEmpty());

        watch.onCollection("PS Scavenge", "end of minor GC", "Allocation Failure", 100);
        watch.onCollection("PS MarkSweep", "end of major GC", "Ergonomics", 1_300);
        watch.onCollection("ZGC Pauses", "end of GC pause", "Allocation Rate", 150);
        assertEquals(3, watch.longPauses());
    }

    @Test
    void warnsOnTheFirstLongPauseThenOncePerIntervalWithTheCount() {
        GcPauseWatch watch = new GcPauseWatch(Duration.ofMillis(100), () -> now);
        watch.onCollection("PS Scavenge", "end of minor GC", "Allocation Failure", 250);
        List<String> lines = warnLines();
        assertEquals(1, lines.size());
        String line = lines.get(0);
        assertTrue(line.contains("GC pause of 250 ms (PS Scavenge, Allocation Failure)"), line);
        assertTrue(line.contains("sipflow.sip.overload.queue-delay-high (100 ms)"), line);
        assertTrue(line.endsWith("1 such pause(s) so far"), line);

        now += MINUTE;
        watch.onCollection("PS Scavenge", "end of minor GC", "Allocation Failure", 280);
        now += 8 * MINUTE;
        watch.onCollection("PS Scavenge", "end of minor GC", "Allocation Failure", 190);
        assertEquals(1, warnLines().size(), "within the interval: counted, not logged");
        assertEquals(3, watch.longPauses());

        now += 2 * MINUTE; // 11 minutes after the first line
        watch.onCollection("PS Scavenge", "end of minor GC", "Allocation Failure", 200);
        lines = warnLines();
        assertEquals(2, lines.size());
        assertTrue(lines.get(1).endsWith("4 such pause(s) so far"), lines.get(1));
        assertEquals(2, watch.warnings());
    }

    @Test
    void actionsOfTheJdksCollectorsAreToldApart() {
        assertTrue(GcPauseWatch.isPause("end of minor GC"));
        assertTrue(GcPauseWatch.isPause("end of major GC"));
        assertTrue(GcPauseWatch.isPause("end of GC pause"));
        assertFalse(GcPauseWatch.isPause("end of GC cycle"));
        assertFalse(GcPauseWatch.isPause("end of concurrent GC"));
        assertFalse(GcPauseWatch.isPause(null));
    }

    @Test
    void hearsThisJvmsCollections() {
        try (GcPauseWatch watch = GcPauseWatch.start(Duration.ofMillis(100))) {
            // reported asynchronously by the JVM's service thread: ask for a collection until one is heard
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                System.gc();
                return watch.collections() > 0;
            });
        }
    }

    private List<String> warnLines() {
        return log.messages(Level.WARN);
    }
}
