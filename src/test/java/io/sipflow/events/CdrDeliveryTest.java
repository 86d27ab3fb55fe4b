package io.sipflow.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipflow.module.events.CdrOutcome;
import io.sipflow.module.events.EventJson;
import io.sipflow.module.events.EventPublisher;
import io.sipflow.testsupport.Cdrs;
import io.sipflow.testsupport.SipFlowTestApp;
import io.sipflow.testsupport.TestKafka;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Synthetic CDRs of every outcome published through the real pipeline (bean {@code events} → spool
 * → {@code events.camel.yaml} → a real Kafka broker and the real MariaDB): exactly N of each on the
 * topic and in {@code acc} / {@code missed_calls}, with the right fields and durations.
 */
class CdrDeliveryTest {

    private static final int N = 50;
    private static final String TENANT = "tenant-a.example";

    private SipFlowTestApp app;

    @BeforeEach
    void start() throws Exception {
        app = new SipFlowTestApp().start();
    }

    @AfterEach
    void stop() throws Exception {
        app.close();
    }

    @Test
    void nCdrsOfEachOutcomeReachKafkaAndMysqlExactlyOnce() throws Exception {
        EventPublisher events = app.application().context().getRegistry().lookupByNameAndType("events", EventPublisher.class);
        Instant start = Instant.parse("2026-11-23T10:00:00.125Z");
        for (CdrOutcome outcome : CdrOutcome.values()) {
            for (int i = 0; i < N; i++) {
                events.publish(Cdrs.of(outcome, outcome.wireName() + "-" + i + "@test", TENANT, start.plusSeconds(i)));
            }
        }

        String topic = app.property("sipflow.events.kafka.topic-cdr");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = TestKafka.consumer(TestKafka.shared().bootstrapServers(), topic)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                TestKafka.pollInto(consumer, records);
                return records.size() >= 4 * N;
            });
            // nothing more than N of each: poll once more after everything arrived
            TestKafka.pollInto(consumer, records);
        }
        assertThat(records).hasSize(4 * N);
        Map<String, Integer> byOutcome = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            JsonNode cdr = EventJson.read(r.value());
            assertThat(r.key()).isEqualTo(cdr.get("call_id").asText());
            byOutcome.merge(cdr.get("outcome").asText(), 1, Integer::sum);
            assertThat(cdr.get("schema_version").asInt()).isEqualTo(1);
            assertThat(cdr.get("tenant").asText()).isEqualTo(TENANT);
            assertThat(cdr.get("direction").asText()).isEqualTo("pbx_to_endpoint");
            assertThat(cdr.get("created").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
            if (cdr.get("outcome").asText().equals("answered")) {
                assertThat(cdr.get("duration_ms").asLong()).isEqualTo(61_250);
                assertThat(cdr.get("setup_time_ms").asLong()).isEqualTo(1_500);
                assertThat(cdr.get("hung_up_by").asText()).isEqualTo("caller");
            } else {
                assertThat(cdr.get("duration_ms").asLong()).isZero();
                assertThat(cdr.get("setup_time_ms").asLong()).isEqualTo(4_000);
            }
        }
        assertThat(byOutcome).containsOnly(Map.entry("answered", N), Map.entry("failed", N), Map.entry("missed", N),
                Map.entry("cancelled", N));
        Set<String> ids = records.stream().map(r -> EventJson.read(r.value()).get("cdr_id").asText()).collect(Collectors.toSet());
        assertThat(ids).hasSize(4 * N);

        try (Connection c = DriverManager.getConnection(app.dbUrl(), "root", "")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> count(c, "SELECT COUNT(*) FROM acc") == N
                    && count(c, "SELECT COUNT(*) FROM missed_calls") == 3 * N);
            assertThat(count(c, "SELECT COUNT(*) FROM missed_calls WHERE outcome = 'failed' AND sip_code = '486'")).isEqualTo(N);
            assertThat(count(c, "SELECT COUNT(*) FROM missed_calls WHERE outcome = 'missed' AND sip_code = '480'")).isEqualTo(N);
            assertThat(count(c, "SELECT COUNT(*) FROM missed_calls WHERE outcome = 'cancelled' AND sip_code = '487'")).isEqualTo(N);
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT method, from_tag, to_tag, callid, sip_code, sip_reason, time, duration, ms_duration, setuptime,
                           created, tenant, direction, created_at, answered_at, ended_at, hung_up_by
                    FROM acc WHERE callid = ?""")) {
                ps.setString(1, "answered-3@test");
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString("method")).isEqualTo("INVITE");
                    assertThat(rs.getString("from_tag")).isEqualTo("ft-answered-3@test");
                    assertThat(rs.getString("to_tag")).isEqualTo("tt-answered-3@test");
                    assertThat(rs.getString("sip_code")).isEqualTo("200");
                    assertThat(rs.getString("sip_reason")).isEqualTo("OK");
                    assertThat(rs.getObject("time", java.time.LocalDateTime.class)).hasToString("2026-11-23T10:00:04");
                    assertThat(rs.getObject("created_at", java.time.LocalDateTime.class)).hasToString("2026-11-23T10:00:03.125");
                    assertThat(rs.getObject("ended_at", java.time.LocalDateTime.class)).hasToString("2026-11-23T10:01:05.875");
                    assertThat(rs.getInt("duration")).isEqualTo(61);
                    assertThat(rs.getInt("ms_duration")).isEqualTo(61_250);
                    assertThat(rs.getInt("setuptime")).isEqualTo(2);
                    assertThat(rs.getString("tenant")).isEqualTo(TENANT);
                    assertThat(rs.getString("hung_up_by")).isEqualTo("caller");
                }
            }
        }
    }

    @Test
    void cdrTailPrintsTheCdrsOnTheTopicLikeADownstreamConsumer() throws Exception {
        EventPublisher events = app.application().context().getRegistry().lookupByNameAndType("events", EventPublisher.class);
        Instant start = Instant.parse("2026-11-23T10:00:00.125Z");
        events.publish(Cdrs.of(CdrOutcome.ANSWERED, "tail-1@test", TENANT, start));
        events.publish(Cdrs.of(CdrOutcome.CANCELLED, "tail-2@test", TENANT, start));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.out;
        int rc;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            rc = new picocli.CommandLine(new io.sipflow.SipFlow()).execute("cdr", "tail", "--from-beginning", "--max", "2",
                    "-Dsipflow.kafka.brokers=" + TestKafka.shared().bootstrapServers(),
                    "-Dsipflow.events.kafka.topic-cdr=" + app.property("sipflow.events.kafka.topic-cdr"));
        } finally {
            System.setOut(original);
        }
        assertThat(rc).isZero();
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList()).containsExactly(
                "2026-11-23T10:00:00.125Z answered  200 \"OK\"                     tenant-a.example pbx_to_endpoint "
                        + "pbx@tenant-a.example -> 201@tenant-a.example duration=61.250s setup=1.500s call-id=tail-1@test to-tag=tt-tail-1@test",
                "2026-11-23T10:00:00.125Z cancelled 487 \"Request Terminated\"     tenant-a.example pbx_to_endpoint "
                        + "pbx@tenant-a.example -> 201@tenant-a.example duration=0.000s setup=4.000s call-id=tail-2@test");
    }

    static long count(Connection c, String sql) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
