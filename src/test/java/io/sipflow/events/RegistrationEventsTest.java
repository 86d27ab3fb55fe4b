package io.sipflow.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipflow.module.events.EventJson;
import io.sipflow.testsupport.FakeAsterisk;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.Registrations;
import io.sipflow.testsupport.SipFlowTestApp;
import io.sipflow.testsupport.TestKafka;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Registration events from real SIP REGISTERs through the app (phone → SipFlow → emulated Asterisk
 * with digest): binding added, refreshed, removed, expired, and the PBX's 403 as register_rejected,
 * on the Kafka topic (key = AoR) and in {@code registration_events}; then {@code /observe/metrics}
 * shows the meters with tenant tags and {@code /observe/health} answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegistrationEventsTest {

    private static final String DOMAIN = "tenant-e.example";
    private static final String PASSWORD = "secret-e";

    private FakeAsterisk asterisk;
    private FakeUserAgent phone;
    private SipFlowTestApp proxy;

    @BeforeAll
    void start() throws Exception {
        asterisk = new FakeAsterisk("127.0.0.41").start().user("201", PASSWORD).user("202", PASSWORD).user("203", PASSWORD);
        phone = new FakeUserAgent("127.0.0.42").start();
        proxy = new SipFlowTestApp().tenant(DOMAIN, 1, asterisk.uri())
                .with("sipflow.location.expiry-interval", "200ms")
                .with("sipflow.stats.refresh-interval", "200ms")
                .with("sipflow.dispatcher.probe-interval", "1h")
                .start();
    }

    @AfterAll
    void stop() throws Exception {
        proxy.close();
        phone.close();
        asterisk.close();
    }

    @Test
    @Order(1)
    void addRefreshRemoveExpireAndRejectBecomeEventsOnKafkaAndInMysql() throws Exception {
        assertThat(Registrations.register(phone, proxy.uri(), 201, DOMAIN, 3600, PASSWORD).getStatusCode()).isEqualTo(200);
        assertThat(Registrations.register(phone, proxy.uri(), 201, DOMAIN, 3600, PASSWORD).getStatusCode()).isEqualTo(200);
        assertThat(Registrations.register(phone, proxy.uri(), 201, DOMAIN, 0, PASSWORD).getStatusCode()).isEqualTo(200);
        assertThat(Registrations.register(phone, proxy.uri(), 202, DOMAIN, 3600, "wrong").getStatusCode()).isEqualTo(403);
        asterisk.grantedExpires(1);
        assertThat(Registrations.register(phone, proxy.uri(), 203, DOMAIN, 1, PASSWORD).getStatusCode()).isEqualTo(200);

        List<String> expected = List.of("binding_added", "binding_refreshed", "binding_removed", "register_rejected",
                "binding_added", "binding_expired");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = TestKafka.consumer(TestKafka.shared().bootstrapServers(),
                proxy.property("sipflow.events.kafka.topic-registration"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                TestKafka.pollInto(consumer, records);
                return records.size() >= expected.size();
            });
        }
        List<String> kinds = records.stream().map(r -> EventJson.read(r.value()).get("event").asText()).toList();
        assertThat(kinds).containsExactlyElementsOf(expected);
        JsonNode added = EventJson.read(records.get(0).value());
        assertThat(records.get(0).key()).isEqualTo("201@" + DOMAIN);
        assertThat(added.get("aor").asText()).isEqualTo("201@" + DOMAIN);
        assertThat(added.get("contact").asText()).isEqualTo("sip:201@" + phone.host() + ":" + phone.port());
        assertThat(added.get("received").asText()).startsWith("sip:" + phone.host() + ":" + phone.port());
        assertThat(added.get("pbx").asText()).isEqualTo(asterisk.uri());
        JsonNode rejected = EventJson.read(records.get(3).value());
        assertThat(rejected.get("code").asInt()).isEqualTo(403);
        assertThat(rejected.get("aor").asText()).isEqualTo("202@" + DOMAIN);

        try (Connection c = DriverManager.getConnection(proxy.dbUrl(), "root", "")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> CdrDeliveryTest.count(c,
                    "SELECT COUNT(*) FROM registration_events") == expected.size());
            List<String> stored = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT event FROM registration_events ORDER BY id");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.add(rs.getString(1));
                }
            }
            assertThat(stored).containsExactlyElementsOf(expected);
            assertThat(CdrDeliveryTest.count(c,
                    "SELECT COUNT(*) FROM registration_events WHERE event = 'register_rejected' AND sip_code = 403")).isEqualTo(1);
        }
    }

    @Test
    @Order(2)
    void observeMetricsShowsTheMetersWithTenantTagsAndHealthAnswers() throws Exception {
        asterisk.grantedExpires(3600);
        assertThat(Registrations.register(phone, proxy.uri(), 201, DOMAIN, 3600, PASSWORD).getStatusCode()).isEqualTo(200);
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String metrics = http.send(HttpRequest.newBuilder(URI.create(proxy.managementBase() + "/observe/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics)
                    .contains("accepted_regs_total{tenant=\"" + DOMAIN + "\"}")
                    .contains("rejected_regs_total{tenant=\"" + DOMAIN + "\"} 1.0")
                    .contains("registered_contacts{tenant=\"" + DOMAIN + "\"} 1.0")
                    .contains("registered_users{tenant=\"" + DOMAIN + "\"} 1.0")
                    .contains("rcv_requests_total")
                    .contains("fwd_requests_total")
                    .contains("sent_replies_total{class=\"2xx\"}")
                    .contains("transaction_latency_seconds_count")
                    .contains("events_spool_depth{sink=\"kafka\"}")
                    .contains("events_spool_age_seconds{sink=\"mysql\"}");
        });
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(proxy.managementBase() + "/observe/health"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("UP");
    }
}
