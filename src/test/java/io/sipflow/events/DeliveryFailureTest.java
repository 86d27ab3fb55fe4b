package io.sipflow.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipflow.module.db.EmbeddedMariaDb;
import io.sipflow.module.events.CdrOutcome;
import io.sipflow.module.events.EventJson;
import io.sipflow.module.events.EventPublisher;
import io.sipflow.module.events.EventSpool;
import io.sipflow.module.events.SpoolingEventPublisher;
import io.sipflow.module.kafka.EmbeddedKafka;
import io.sipflow.testsupport.Cdrs;
import io.sipflow.testsupport.FreePorts;
import io.sipflow.testsupport.SipFlowTestApp;
import io.sipflow.testsupport.TestKafka;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

/**
 * Nothing lost: Kafka stopped mid-run and restarted, MySQL stopped and restarted, SipFlow
 * restarted with a non-empty spool, and malformed events sent to the dead-letter file while the
 * pipeline goes on. Real broker, real MariaDB, real files.
 */
class DeliveryFailureTest {

    private static final String TENANT = "tenant-a.example";

    @Test
    void kafkaStoppedMidRunThenRestartedLosesNothing() throws Exception {
        int port = FreePorts.udpAndTcp("127.0.0.1");
        Path dir = TestKafka.newDirectory("kafka-restart");
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, port);
        SipFlowTestApp app = new SipFlowTestApp().with("sipflow.kafka.brokers", kafka.bootstrapServers())
                .with("sipflow.kafka.delivery-timeout", "3s").with("sipflow.events.retry-max-interval", "1s").start();
        try {
            String topic = app.property("sipflow.events.kafka.topic-cdr");
            kafka.createTopics(List.of(topic));
            publish(app, "before", 100);
            try (KafkaConsumer<String, String> consumer = TestKafka.consumer(kafka.bootstrapServers(), topic)) {
                Set<String> ids = new HashSet<>();
                await().atMost(Duration.ofSeconds(30)).until(() -> collectIds(consumer, ids) >= 100);
            }
            kafka.close();
            publish(app, "during", 100);
            EventSpool spool = publisher(app).spool();
            await().atMost(Duration.ofSeconds(30)).until(() -> spool.depth("kafka") == 100);
            // MySQL is unaffected by the Kafka outage
            await().atMost(Duration.ofSeconds(30)).until(() -> spool.depth("mysql") == 0);

            kafka = EmbeddedKafka.start(dir, port);
            try (KafkaConsumer<String, String> consumer = TestKafka.consumer(kafka.bootstrapServers(), topic)) {
                Set<String> ids = new HashSet<>();
                await().atMost(Duration.ofSeconds(60)).until(() -> collectIds(consumer, ids) >= 200);
                assertThat(ids).hasSize(200);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> spool.depth("kafka") == 0);
        } finally {
            app.close();
            kafka.close();
        }
    }

    @Test
    void mysqlUnreachableSpoolsThenReplaysWithoutDuplicates() throws Exception {
        int dbPort = FreePorts.udpAndTcp("127.0.0.1");
        Path dataDir = TestKafka.newDirectory("events-db");
        EmbeddedMariaDb db = EmbeddedMariaDb.start(dbPort, dataDir, "sipflow");
        String url = db.jdbcUrl();
        SipFlowTestApp app = new SipFlowTestApp().with("sipflow.db.url", url)
                .with("sipflow.events.retry-max-interval", "1s").start();
        try {
            publish(app, "up", 50);
            await().atMost(Duration.ofSeconds(30)).until(() -> cdrRows(url) == 50);
            db.stop();
            publish(app, "down", 50);
            EventSpool spool = publisher(app).spool();
            await().atMost(Duration.ofSeconds(30)).until(() -> spool.depth("mysql") == 50 && spool.depth("kafka") == 0);
            assertThat(spool.oldestAgeMillis("mysql")).isPositive();

            db = EmbeddedMariaDb.start(dbPort, dataDir, "sipflow");
            EmbeddedMariaDb restarted = db;
            await().atMost(Duration.ofSeconds(60)).until(() -> spool.depth("mysql") == 0);
            assertThat(cdrRows(restarted.jdbcUrl())).isEqualTo(100);
            try (Connection c = DriverManager.getConnection(restarted.jdbcUrl(), "root", "")) {
                assertThat(CdrDeliveryTest.count(c, "SELECT COUNT(DISTINCT cdr_id) FROM acc")).isEqualTo(26); // i % 4 == 0 of 2 x 50
                assertThat(CdrDeliveryTest.count(c, "SELECT COUNT(DISTINCT cdr_id) FROM missed_calls")).isEqualTo(74);
            }
        } finally {
            app.close();
            db.close();
        }
    }

    @Test
    void restartedWithANonEmptySpoolDeliversWhatWasSpooled() throws Exception {
        int port = FreePorts.udpAndTcp("127.0.0.1");
        // Kafka is not there yet: everything stays spooled for it
        SipFlowTestApp app = new SipFlowTestApp().with("sipflow.kafka.brokers", "127.0.0.1:" + port)
                .with("sipflow.kafka.delivery-timeout", "2s").with("sipflow.events.retry-max-interval", "1s").start();
        EmbeddedKafka kafka = null;
        try {
            publish(app, "spooled", 40);
            EventSpool spool = publisher(app).spool();
            await().atMost(Duration.ofSeconds(30)).until(() -> spool.depth("kafka") == 40 && spool.depth("mysql") == 0);
            app.close();

            kafka = EmbeddedKafka.start(TestKafka.newDirectory("kafka-late"), port);
            app.restart();
            String topic = app.property("sipflow.events.kafka.topic-cdr");
            try (KafkaConsumer<String, String> consumer = TestKafka.consumer(kafka.bootstrapServers(), topic)) {
                Set<String> ids = new HashSet<>();
                await().atMost(Duration.ofSeconds(60)).until(() -> collectIds(consumer, ids) >= 40);
                assertThat(ids).hasSize(40);
            }
            try (Connection c = DriverManager.getConnection(app.dbUrl(), "root", "")) {
                // the restart replayed nothing twice into MySQL
                assertThat(CdrDeliveryTest.count(c, "SELECT COUNT(*) FROM acc") + CdrDeliveryTest.count(c,
                        "SELECT COUNT(*) FROM missed_calls")).isEqualTo(40);
            }
        } finally {
            app.close();
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    @Test
    void malformedEventsGoToTheDeadLetterFileAndThePipelineGoesOn() throws Exception {
        SipFlowTestApp app = new SipFlowTestApp().start();
        try {
            EventPublisher events = publisher(app);
            Instant t = Instant.parse("2026-11-23T12:00:00Z");
            events.publish(Cdrs.of(CdrOutcome.ANSWERED, null, TENANT, t)); // no Call-ID
            publish(app, "good", 10);
            EventSpool spool = publisher(app).spool();
            Path deadLetters = spool.deadLetterFile();
            await().atMost(Duration.ofSeconds(30)).until(() -> cdrRows(app.dbUrl()) == 10 && spool.depth("kafka") == 0);
            assertThat(Files.readString(deadLetters)).contains("no record key").contains("\"sink\":\"publisher\"");

            // a corrupt line in the spool itself (disk damage, a hand edit): dead-lettered by each sink, not blocking
            app.close();
            Path segment;
            try (Stream<Path> files = Files.list(spool.directory())) {
                segment = files.filter(p -> p.toString().endsWith(".spool")).sorted().reduce((a, b) -> b).orElseThrow();
            }
            Files.writeString(segment, "this is not an event\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            app.restart();
            publish(app, "after", 5);
            SpoolingEventPublisher restarted = publisher(app);
            await().atMost(Duration.ofSeconds(30)).until(() -> cdrRows(app.dbUrl()) == 15
                    && restarted.spool().depth("kafka") == 0);
            List<String> lines = Files.readAllLines(deadLetters);
            assertThat(lines).filteredOn(l -> l.contains("malformed spool line")).hasSize(2); // kafka and mysql
            assertThat(lines).allSatisfy(l -> assertThat(EventJson.read(l).has("reason")).isTrue());
        } finally {
            app.close();
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** {@code n} CDRs, outcomes in turn (n/4 answered). */
    static void publish(SipFlowTestApp app, String prefix, int n) {
        EventPublisher events = publisher(app);
        CdrOutcome[] outcomes = CdrOutcome.values();
        Instant t = Instant.parse("2026-11-23T12:00:00Z");
        for (int i = 0; i < n; i++) {
            events.publish(Cdrs.of(outcomes[i % outcomes.length], prefix + "-" + i + "@test", TENANT, t.plusSeconds(i)));
        }
    }

    static SpoolingEventPublisher publisher(SipFlowTestApp app) {
        return app.application().context().getRegistry().lookupByNameAndType("events", SpoolingEventPublisher.class);
    }

    private static int collectIds(KafkaConsumer<String, String> consumer, Set<String> ids) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        TestKafka.pollInto(consumer, records);
        records.forEach(r -> ids.add(EventJson.read(r.value()).get("cdr_id").asText()));
        return ids.size();
    }

    private static long cdrRows(String url) {
        try (Connection c = DriverManager.getConnection(url, "root", "")) {
            return CdrDeliveryTest.count(c, "SELECT COUNT(*) FROM acc") + CdrDeliveryTest.count(c, "SELECT COUNT(*) FROM missed_calls");
        } catch (Exception e) {
            return -1;
        }
    }
}
