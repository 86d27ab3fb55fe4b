package io.sipflow.bench;

import io.sipflow.app.SipFlowApplication;
import io.sipflow.module.events.CdrOutcome;
import io.sipflow.module.events.EventSpool;
import io.sipflow.module.events.SpoolingEventPublisher;
import io.sipflow.testsupport.Cdrs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Sustained events/s through the real pipeline (publisher → fsync'd spool → events.camel.yaml →
 * embedded Kafka + embedded MariaDB), on this machine. Not a test: run by {@code bench/events-load.sh}.
 *
 * <pre>
 *   EventsLoad WORKDIR RATE SECONDS [WARMUP]   after WARMUP s (default 20) at RATE/2 and a drain, publish
 *                                              RATE CDRs/s for SECONDS, then wait until both sinks drained
 * </pre>
 *
 * Prints one line per second (published, delivered to Kafka / MySQL, spool depth) and a summary:
 * the delivered rate = events / (first publish → both sinks drained).
 */
public final class EventsLoad {

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]).toAbsolutePath();
        int rate = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        Files.createDirectories(work);
        Map<String, String> p = new HashMap<>();
        p.put("sipflow.sip.listen", "udp:127.0.0.1:" + System.getProperty("sip.port", "35060"));
        p.put("sipflow.http.port", System.getProperty("http.port", "38080"));
        p.put("sipflow.management.port", System.getProperty("management.port", "39876"));
        p.put("sipflow.db.embedded-port", "0");
        p.put("sipflow.db.embedded-dir", work.resolve("mariadb").toString());
        p.put("sipflow.kafka.embedded-port", "0");
        p.put("sipflow.kafka.embedded-dir", work.resolve("kafka").toString());
        p.put("sipflow.events.spool-dir", work.resolve("spool").toString());
        p.put("sipflow.events.queue-capacity", "200000");
        p.put("sipflow.events.batch-size", System.getProperty("batch", "2000"));
        p.put("sipflow.events.poll-interval", "20ms");
        p.put("sipflow.events.stats-interval", "1h");
        p.put("sipflow.tenant.reload-interval", "1h");
        p.put("sipflow.dispatcher.probe-interval", "1h");
        try (SipFlowApplication app = new SipFlowApplication(p)) {
            app.start();
            SpoolingEventPublisher events = app.context().getRegistry().lookupByNameAndType("events", SpoolingEventPublisher.class);
            EventSpool spool = events.spool();
            if (warmup > 0) {
                // JIT warm-up (SipFlow, the driver, the in-JVM broker): C2 alone takes ~half a core for the
                // first half minute; a sustained figure is measured after it
                System.out.printf("warm-up: %d/s for %d s%n", rate / 2, warmup);
                run(events, spool, rate / 2, warmup, "warmup-", false);
            }
            run(events, spool, rate, seconds, "load-", true);
        }
        System.exit(0); // like the CLI: the SIP stack's scanner thread is not a daemon
    }

    /** Publishes RATE CDRs/s for SECONDS, waits until both sinks delivered them, prints the summary. */
    private static void run(SpoolingEventPublisher events, EventSpool spool, int rate, int seconds, String prefix, boolean print)
            throws InterruptedException {
        long total = (long) rate * seconds;
        long firstSeq = spool.lastSeq();
        long droppedBefore = events.dropped();
        CdrOutcome[] outcomes = CdrOutcome.values();
        Instant t = Instant.parse("2026-11-23T12:00:00Z");
        long start = System.nanoTime();
        long nextReport = start + 1_000_000_000L;
        long maxDepth = 0;
        for (long i = 0; i < total; i++) {
            long due = start + i * 1_000_000_000L / rate;
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(Math.min(due - now, 200_000));
            }
            events.publish(Cdrs.of(outcomes[(int) (i % 4)], prefix + i + "@bench", "tenant-a.example", t));
            if (now >= nextReport) {
                nextReport += 1_000_000_000L;
                maxDepth = Math.max(maxDepth, Math.max(spool.depth("kafka"), spool.depth("mysql")));
                if (print) {
                    report(i + 1, events, spool, start);
                }
            }
        }
        long published = System.nanoTime();
        long dropped = events.dropped() - droppedBefore;
        while (spool.depth("kafka") > 0 || spool.depth("mysql") > 0 || events.queued() > 0
                || spool.lastSeq() < firstSeq + total - dropped) {
            if (System.nanoTime() >= nextReport) {
                nextReport += 1_000_000_000L;
                if (print) {
                    report(total, events, spool, start);
                }
            }
            LockSupport.parkNanos(5_000_000);
        }
        long end = System.nanoTime();
        double secs = (end - start) / 1e9;
        System.out.printf("%s rate=%d/s seconds=%d events=%d dropped=%d publish=%.1fs drained-after=%.2fs "
                + "delivered=%.0f events/s to Kafka+MySQL, max spool depth=%d%n", print ? "SUMMARY" : "warm-up done:",
                rate, seconds, total, dropped, (published - start) / 1e9, (end - published) / 1e9, total / secs, maxDepth);
        System.out.flush();
    }

    private static void report(long published, SpoolingEventPublisher events, EventSpool spool, long start) {
        long spooled = spool.lastSeq();
        System.out.flush();
        System.out.printf("t=%5.1fs published=%d spooled=%d kafka-pending=%d mysql-pending=%d oldest=%.1fs dropped=%d%n",
                (System.nanoTime() - start) / 1e9, published, spooled, spool.depth("kafka"), spool.depth("mysql"),
                Math.max(spool.oldestAgeMillis("kafka"), spool.oldestAgeMillis("mysql")) / 1000.0, events.dropped());
    }
}
