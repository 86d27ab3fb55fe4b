package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipflow.module.events.CdrEvent;
import io.sipflow.testsupport.FakeAsterisk;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.RawPbx;
import io.sipflow.testsupport.Registrations;
import io.sipflow.testsupport.SipFlowTestApp;
import io.sipflow.testsupport.TestKafka;
import io.sipflow.testsupport.TestMariaDb;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.UUID;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CDRs of forked calls: a PBX calls an extension registered from two devices, SipFlow forks the
 * INVITE to both (parallel, {@code ForkedRelay}). Two branches answering 2xx are two dialogs (RFC
 * 3261 §16.7 step 5 relays both), each its own answered CDR kept in {@code acc}; a fork whose branches
 * all time out is held for a late answer like a single branch's timeout. Real sockets, the real
 * routes, Kafka and MariaDB.
 *
 * <p>The PBX is a raw UDP socket ({@link RawPbx}): it sees the second 2xx and the 2xx after the 408,
 * which a JAIN-SIP client transaction would drop, and ACKs and BYEs each dialog.
 */
class AccForkFlowTest {

    private static final String TENANT = "acc-fork.example";
    private static final String PBX_HOST = "127.0.0.91";
    private static final String PASSWORD = "phone";
    private static final Duration SHORT_FR_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration WINDOW = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private FakeAsterisk asterisk;
    private FakeUserAgent first;
    private FakeUserAgent second;
    private SipFlowTestApp proxy;
    private KafkaConsumer<String, String> cdrTopic;
    private final List<ConsumerRecord<String, String>> cdrRecords = new ArrayList<>();

    @BeforeEach
    void startDevices() throws Exception {
        asterisk = new FakeAsterisk(PBX_HOST).start().user("401", PASSWORD);
        first = new FakeUserAgent("127.0.0.92").start();
        second = new FakeUserAgent("127.0.0.93").start();
        for (FakeUserAgent device : List.of(first, second)) {
            // no provisional: SipFlow's timer ends a branch without CANCEL, and a CANCEL waits for one
            device.answer(Request.INVITE).answer(Request.BYE, 200);
        }
    }

    /** SipFlow with this final-response timeout, both devices registered as 401. */
    private void startProxy(Duration frTimeout) throws Exception {
        proxy = new SipFlowTestApp().tenant(TENANT, 1, asterisk.uri())
                .quickCallTimers(frTimeout, WINDOW)
                .with("sipflow.routing.fork-mode", "parallel")
                .start();
        for (FakeUserAgent device : List.of(first, second)) {
            assertThat(Registrations.register(device, proxy.uri(), 401, TENANT, 3600, PASSWORD).getStatusCode()).isEqualTo(200);
        }
        cdrTopic = TestKafka.consumer(TestKafka.shared().bootstrapServers(), proxy.property("sipflow.events.kafka.topic-cdr"));
    }

    @AfterEach
    void stop() throws Exception {
        if (cdrTopic != null) {
            cdrTopic.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        first.close();
        second.close();
        asterisk.close();
    }

    @Test
    void twoForkBranchesAnsweringAreTwoAnsweredCallsEachKeptInAcc() throws Exception {
        startProxy(Duration.ofSeconds(30));
        String callId = "fork-2xx-" + UUID.randomUUID();
        Map<String, Response> oks = new HashMap<>();
        try (RawPbx pbx = new RawPbx(PBX_HOST, proxy.host(), proxy.port())) {
            pbx.invite("401", TENANT, callId, "z9hG4bK-inv-" + UUID.randomUUID());
            first.awaitRequest(Request.INVITE, callId);
            second.awaitRequest(Request.INVITE, callId);

            first.replyToInvite(callId, 200, "tt-first");
            oks.put("tt-first", awaitOk(pbx, Request.INVITE, "tt-first"));
            // the other branch answers too, before SipFlow's CANCEL reaches it (a CANCEL waits for a
            // provisional, RFC 3261 §9.1): its 2xx goes upstream as well (RFC 3261 §16.7 step 5)
            second.replyToInvite(callId, 200, "tt-second");
            oks.put("tt-second", awaitOk(pbx, Request.INVITE, "tt-second"));

            // the caller ACKs both dialogs, then hangs up both
            for (Response ok : oks.values()) {
                pbx.inDialog(Request.ACK, 1, callId, ok);
            }
            first.awaitRequest(Request.ACK, callId);
            second.awaitRequest(Request.ACK, callId);
            for (Map.Entry<String, Response> dialog : oks.entrySet()) {
                pbx.inDialog(Request.BYE, 2, callId, dialog.getValue());
                awaitOk(pbx, Request.BYE, dialog.getKey());
            }
        }

        List<JsonNode> cdrs = TestKafka.awaitEvents(cdrTopic, cdrRecords, 2, WAIT);
        Map<String, String> idByToTag = new HashMap<>();
        for (JsonNode cdr : cdrs) {
            assertThat(cdr.get("call_id").asText()).isEqualTo(callId);
            assertThat(cdr.get("outcome").asText()).isEqualTo("answered");
            assertThat(cdr.get("hung_up_by").asText()).isEqualTo("caller");
            idByToTag.put(cdr.get("to_tag").asText(), cdr.get("cdr_id").asText());
        }
        assertThat(idByToTag).containsOnlyKeys("tt-first", "tt-second");
        assertThat(idByToTag.get("tt-first")).isNotEqualTo(idByToTag.get("tt-second"));
        // deterministic per dialog: a replay of either CDR has the same id
        idByToTag.forEach((toTag, id) -> assertThat(id).isEqualTo(CdrEvent.cdrIdOf(callId, RawPbx.fromTag(callId), toTag)));

        try (Connection c = DriverManager.getConnection(proxy.dbUrl(), "root", "")) {
            await().atMost(WAIT).until(() -> TestMariaDb.count(c, "SELECT COUNT(*) FROM acc WHERE callid = ?", callId) == 2);
            Map<String, String> stored = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT to_tag, cdr_id, outcome FROM acc WHERE callid = ?")) {
                ps.setString(1, callId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        assertThat(rs.getString("outcome")).isEqualTo("answered");
                        stored.put(rs.getString("to_tag"), rs.getString("cdr_id"));
                    }
                }
            }
            assertThat(stored).isEqualTo(idByToTag);
            assertThat(TestMariaDb.count(c, "SELECT COUNT(*) FROM missed_calls WHERE callid = ?", callId)).isZero();
        }
    }

    @Test
    void aForkWhoseBranchesAllTimedOutIsOneAnsweredCallWhenOneAnswersLate() throws Exception {
        startProxy(SHORT_FR_TIMEOUT);
        String callId = "fork-late-" + UUID.randomUUID();
        try (RawPbx pbx = new RawPbx(PBX_HOST, proxy.host(), proxy.port())) {
            String inviteBranch = "z9hG4bK-inv-" + UUID.randomUUID();
            pbx.invite("401", TENANT, callId, inviteBranch);
            first.awaitRequest(Request.INVITE, callId);
            second.awaitRequest(Request.INVITE, callId);
            Response timeout = pbx.expectResponse(408, Request.INVITE, WAIT);
            pbx.ackFailure("401", callId, inviteBranch, timeout);

            // one device answers after SipFlow gave up on both branches: the 2xx still reaches the PBX
            first.replyToInvite(callId, 200, "tt-first");
            Response ok = awaitOk(pbx, Request.INVITE, "tt-first");
            pbx.inDialog(Request.ACK, 1, callId, ok);
            first.awaitRequest(Request.ACK, callId);
            pbx.inDialog(Request.BYE, 2, callId, ok);
            awaitOk(pbx, Request.BYE, "tt-first");
        }

        JsonNode cdr = TestKafka.awaitEvents(cdrTopic, cdrRecords, 1, WAIT).get(0);
        assertThat(cdr.get("call_id").asText()).isEqualTo(callId);
        assertThat(cdr.get("outcome").asText()).isEqualTo("answered");
        assertThat(cdr.get("to_tag").asText()).isEqualTo("tt-first");
        assertThat(cdr.get("hung_up_by").asText()).isEqualTo("caller");
        assertThat(cdr.get("destination_address").asText()).isEqualTo(first.host() + ":" + first.port());
        assertThat(cdr.get("setup_time_ms").asLong()).isGreaterThanOrEqualTo(SHORT_FR_TIMEOUT.toMillis() - 50);

        // nothing else comes for this call, not even once the late-answer window has passed
        try (Connection c = DriverManager.getConnection(proxy.dbUrl(), "root", "")) {
            await().atMost(WAIT).until(() -> TestMariaDb.count(c, "SELECT COUNT(*) FROM acc WHERE callid = ?", callId) == 1);
            await().during(WINDOW.plusSeconds(1)).atMost(WINDOW.plus(WAIT)).until(() -> {
                TestKafka.pollInto(cdrTopic, cdrRecords);
                return cdrRecords.size() == 1 && TestMariaDb.count(c, "SELECT COUNT(*) FROM missed_calls WHERE callid = ?", callId) == 0
                        && TestMariaDb.count(c, "SELECT COUNT(*) FROM acc WHERE callid = ?", callId) == 1;
            });
        }
    }

    @Test
    void aForkWhoseBranchesAllTimedOutAndNobodyAnswersIsOneMissedCallOnceTheWindowHasPassed() throws Exception {
        startProxy(SHORT_FR_TIMEOUT);
        String callId = "fork-408-" + UUID.randomUUID();
        Instant invited;
        Instant timedOut;
        try (RawPbx pbx = new RawPbx(PBX_HOST, proxy.host(), proxy.port())) {
            String inviteBranch = "z9hG4bK-inv-" + UUID.randomUUID();
            invited = Instant.now();
            pbx.invite("401", TENANT, callId, inviteBranch);
            first.awaitRequest(Request.INVITE, callId);
            second.awaitRequest(Request.INVITE, callId);
            Response timeout = pbx.expectResponse(408, Request.INVITE, WAIT);
            timedOut = Instant.now();
            pbx.ackFailure("401", callId, inviteBranch, timeout);
        }

        JsonNode cdr = TestKafka.awaitEvents(cdrTopic, cdrRecords, 1, WAIT).get(0);
        Instant published = Instant.now();
        assertThat(cdr.get("call_id").asText()).isEqualTo(callId);
        assertThat(cdr.get("outcome").asText()).isEqualTo("missed");
        assertThat(cdr.get("sip_code").asInt()).isEqualTo(408);
        // held for the window like a single branch's timeout, published with the timeout's own end
        assertThat(Duration.between(timedOut, published)).isGreaterThanOrEqualTo(WINDOW.minusMillis(300));
        assertThat(Instant.parse(cdr.get("ended").asText())).isBetween(invited.plus(SHORT_FR_TIMEOUT).minusMillis(50), timedOut);

        try (Connection c = DriverManager.getConnection(proxy.dbUrl(), "root", "")) {
            await().atMost(WAIT).until(() -> TestMariaDb.count(c, "SELECT COUNT(*) FROM missed_calls WHERE callid = ?", callId) == 1);
            assertThat(TestMariaDb.count(c, "SELECT COUNT(*) FROM acc WHERE callid = ?", callId)).isZero();
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** The 200 to {@code method} in the dialog with this To tag. */
    private static Response awaitOk(RawPbx pbx, String method, String toTag) throws Exception {
        Response response = pbx.awaitResponse(200, method, r -> toTag.equals(RawPbx.toTag(r)), WAIT);
        assertThat(response).as("200 to %s with To tag %s", method, toTag).isNotNull();
        return response;
    }
}
