package io.sipflow.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipflow.module.db.Database;
import io.sipflow.module.db.JdbcEventPersistence;
import io.sipflow.module.db.SchemaInstaller;
import io.sipflow.module.events.CdrOutcome;
import io.sipflow.module.events.EventJson;
import io.sipflow.module.events.EventSpool;
import io.sipflow.module.events.SpooledEvent;
import io.sipflow.testsupport.SipFlowTestApp;
import io.sipflow.testsupport.TestKafka;
import io.sipflow.testsupport.TestMariaDb;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

/** The periodic statistics snapshot on Kafka and in MySQL; a replayed spool stores nothing twice. */
class StatsAndReplayTest {

    @Test
    void statsSnapshotIsAnEventOnKafkaAndARowInMysql() throws Exception {
        try (SipFlowTestApp app = new SipFlowTestApp().with("sipflow.events.stats-interval", "300ms")
                .with("sipflow.events.node", "node-under-test").start()) {
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = TestKafka.consumer(TestKafka.shared().bootstrapServers(),
                    app.property("sipflow.events.kafka.topic-stats"))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    TestKafka.pollInto(consumer, records);
                    return !records.isEmpty();
                });
            }
            assertThat(records.get(0).key()).isEqualTo("node-under-test");
            JsonNode snapshot = EventJson.read(records.get(0).value());
            List<String> names = new ArrayList<>();
            snapshot.get("meters").forEach(m -> names.add(m.get("name").asText()));
            assertThat(names).contains("rcv_requests", "fwd_requests", "events_spool_depth", "transaction_latency");
            try (Connection c = DriverManager.getConnection(app.dbUrl(), "root", "")) {
                await().atMost(Duration.ofSeconds(30)).until(() -> CdrDeliveryTest.count(c,
                        "SELECT COUNT(*) FROM stats WHERE node = 'node-under-test'") > 0);
                try (PreparedStatement ps = c.prepareStatement("SELECT meters FROM stats LIMIT 1"); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(EventJson.read(rs.getString(1)).isArray()).isTrue();
                }
            }
        }
    }

    @Test
    void theSameSpooledEventsStoredTwiceGiveOneRowEach() throws Exception {
        String url = TestMariaDb.newDatabaseUrl();
        try (Database db = Database.connect(url, "root", "")) {
            new SchemaInstaller(db.dataSource()).install();
            List<String> deadLetters = new ArrayList<>();
            JdbcEventPersistence mysql = new JdbcEventPersistence(db.dataSource(),
                    (sink, event, reason) -> deadLetters.add(reason));
            EventSpool spool = new EventSpool(TestKafka.newDirectory("replay"), 1 << 20, List.of("mysql"));
            List<EventSpool.Entry> entries = new ArrayList<>();
            Instant t = Instant.parse("2026-11-23T12:00:00Z");
            for (int i = 0; i < 20; i++) {
                var cdr = io.sipflow.testsupport.Cdrs.of(CdrOutcome.values()[i % 4], "replay-" + i, "tenant-a.example", t);
                entries.add(new EventSpool.Entry(cdr.type(), cdr.key(), EventJson.write(cdr)));
            }
            spool.append(entries);
            List<SpooledEvent> batch = spool.take("mysql", 100).events();
            mysql.insert(batch);
            mysql.insert(batch); // a replay: the cursor was not written before a crash
            try (Connection c = DriverManager.getConnection(url, "root", "")) {
                assertThat(CdrDeliveryTest.count(c, "SELECT COUNT(*) FROM acc")).isEqualTo(5);
                assertThat(CdrDeliveryTest.count(c, "SELECT COUNT(*) FROM missed_calls")).isEqualTo(15);
            }
            assertThat(deadLetters).isEmpty();
            spool.close();
        }
    }
}
