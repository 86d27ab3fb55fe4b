package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipflow.module.events.EventJson;
import io.sipflow.testsupport.FakeAsterisk;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.Registrations;
import io.sipflow.testsupport.SipFlowTestApp;
import io.sipflow.testsupport.TestKafka;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sip.ClientTransaction;
import javax.sip.header.CSeqHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CDRs of real calls through SipFlow (OpenSIPS acc + dialog): a PBX calls a registered endpoint
 * (answered and hung up with BYE, refused 486, unanswered 480, cancelled 487, unregistered user
 * 404), an endpoint calls its PBX, and a dialog without BYE is closed by the timer. Each call gives
 * exactly one CDR on the real Kafka topic and one row in {@code acc} or {@code missed_calls}.
 */
class AccFlowTest {

    private static final String TENANT = "acc-a.example";
    private static final String PASSWORD = "phone";
    private static final int N = 3;
    private static final Duration WAIT = Duration.ofSeconds(20);

    private FakeAsterisk asterisk;
    private FakeUserAgent phone;
    private SipFlowTestApp proxy;

    @BeforeEach
    void start() throws Exception {
        asterisk = new FakeAsterisk("127.0.0.51").start().user("401", PASSWORD);
        asterisk.agent().answer(Request.INVITE, 180).answer(Request.BYE, 200);
        phone = new FakeUserAgent("127.0.0.52").start();
        phone.answer(Request.INVITE, 180).answer(Request.BYE, 200);
        proxy = new SipFlowTestApp().tenant(TENANT, 1, asterisk.uri())
                .with("sipflow.dispatcher.probe-interval", "1h")
                .with("sipflow.acc.max-dialog-duration", "60s")
                .with("sipflow.acc.dialog-check-interval", "200ms")
                .start();
        assertThat(Registrations.register(phone, proxy.uri(), 401, TENANT, 3600, PASSWORD).getStatusCode()).isEqualTo(200);
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        phone.close();
        asterisk.close();
    }

    @Test
    void everyCallOfEachOutcomeGivesExactlyOneCdrOnKafkaAndInMysql() throws Exception {
        FakeUserAgent pbx = asterisk.agent();
        List<String> answered = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            answered.add(answeredCallHungUpByThePbx(pbx, 300));
            failedCall(pbx, 486);
            failedCall(pbx, 480);
            cancelledCall(pbx);
        }
        // a call to a user that is not registered: SipFlow's own 404 is a failed call too
        Request unknown = pbx.newRequest(Request.INVITE, "sip:499@" + proxy.host() + ":" + proxy.port(), "sip:499@" + TENANT, "pbx");
        pbx.send(unknown, proxy.uri());
        pbx.awaitResponse(unknown, 404);

        Map<String, Integer> byOutcome = new HashMap<>();
        List<JsonNode> cdrs = cdrsOnKafka(4 * N + 1);
        for (JsonNode cdr : cdrs) {
            byOutcome.merge(cdr.get("outcome").asText() + "/" + cdr.get("sip_code").asInt(), 1, Integer::sum);
            assertThat(cdr.get("tenant").asText()).isEqualTo(TENANT);
            assertThat(cdr.get("direction").asText()).isEqualTo("pbx_to_endpoint");
            assertThat(cdr.get("source_address").asText()).isEqualTo(pbx.host() + ":" + pbx.port());
        }
        assertThat(byOutcome).containsOnly(Map.entry("answered/200", N), Map.entry("failed/486", N),
                Map.entry("missed/480", N), Map.entry("cancelled/487", N), Map.entry("failed/404", 1));
        for (JsonNode cdr : cdrs) {
            if (answered.contains(cdr.get("call_id").asText())) {
                // 300 ms between the 200 reaching the PBX and its BYE, measured by SipFlow
                assertThat(cdr.get("duration_ms").asLong()).isBetween(250L, 3_000L);
                assertThat(cdr.get("hung_up_by").asText()).isEqualTo("caller");
                assertThat(cdr.get("to_user").asText()).isEqualTo("401");
                assertThat(cdr.get("to_tag").asText()).isNotBlank();
                assertThat(cdr.get("destination_address").asText()).isEqualTo(phone.host() + ":" + phone.port());
            }
        }

        try (Connection c = DriverManager.getConnection(proxy.dbUrl(), "root", "")) {
            await().atMost(WAIT).until(() -> count(c, "SELECT COUNT(*) FROM acc") == N
                    && count(c, "SELECT COUNT(*) FROM missed_calls") == 3 * N + 1);
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT method, sip_code, ms_duration, duration, tenant, hung_up_by FROM acc WHERE callid = ?")) {
                ps.setString(1, answered.get(0));
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString("method")).isEqualTo("INVITE");
                    assertThat(rs.getString("sip_code")).isEqualTo("200");
                    assertThat(rs.getLong("ms_duration")).isBetween(250L, 3_000L);
                    assertThat(rs.getString("tenant")).isEqualTo(TENANT);
                    assertThat(rs.getString("hung_up_by")).isEqualTo("caller");
                }
            }
            assertThat(count(c, "SELECT COUNT(*) FROM missed_calls WHERE outcome = 'cancelled' AND sip_code = '487'")).isEqualTo(N);
        }
    }

    @Test
    void aCallFromTheEndpointToItsPbxIsAccountedInThatDirection() throws Exception {
        Request invite = phone.newRequest(Request.INVITE, "sip:600@" + TENANT, "sip:600@" + TENANT, "401");
        invite.setHeader(phone.headers().createFromHeader(phone.addresses().createAddress("sip:401@" + TENANT), "ep-tag"));
        ClientTransaction tx = phone.send(invite, proxy.uri());
        phone.awaitResponse(invite, 180);
        asterisk.agent().replyToInvite(FakeUserAgent.callId(invite), 200);
        Response ok = phone.awaitResponse(invite, 200);
        phone.sendAck(ok, invite);
        phone.sendInDialog(phone.inDialog(ok, invite, Request.BYE, 2));
        awaitByeAnswered(phone, invite);

        JsonNode cdr = cdrsOnKafka(1).get(0);
        assertThat(tx).isNotNull();
        assertThat(cdr.get("direction").asText()).isEqualTo("endpoint_to_pbx");
        assertThat(cdr.get("outcome").asText()).isEqualTo("answered");
        assertThat(cdr.get("from_user").asText()).isEqualTo("401");
        assertThat(cdr.get("pbx").asText()).isEqualTo(asterisk.uri());
        assertThat(cdr.get("hung_up_by").asText()).isEqualTo("caller");
    }

    @Test
    void aChallengedInviteAndItsAuthenticatedRetryAreOneCall() throws Exception {
        // Asterisk challenges the phone's INVITE (407); the phone retries with credentials: same
        // Call-ID and From tag, next CSeq. The challenge is not a call outcome: one CDR, answered.
        Request invite = phone.newRequest(Request.INVITE, "sip:600@" + TENANT, "sip:600@" + TENANT, "401");
        invite.setHeader(phone.headers().createFromHeader(phone.addresses().createAddress("sip:401@" + TENANT), "ch-tag"));
        Request retry = (Request) invite.clone();
        phone.send(invite, proxy.uri());
        phone.awaitResponse(invite, 180);
        String callId = FakeUserAgent.callId(invite);
        asterisk.agent().replyToInvite(callId, 407);
        phone.awaitResponse(invite, 407);

        retry.setHeader(phone.headers().createViaHeader(phone.host(), phone.port(), "udp", null));
        ((CSeqHeader) retry.getHeader(CSeqHeader.NAME)).setSeqNumber(((CSeqHeader) invite.getHeader(CSeqHeader.NAME)).getSeqNumber() + 1);
        phone.send(retry, proxy.uri());
        await().atMost(WAIT).until(() -> asterisk.agent().requests().stream()
                .filter(e -> Request.INVITE.equals(e.getRequest().getMethod()) && callId.equals(FakeUserAgent.callId(e.getRequest())))
                .count() == 2);
        asterisk.agent().replyToInvite(callId, 200);
        long retryCSeq = ((CSeqHeader) retry.getHeader(CSeqHeader.NAME)).getSeqNumber();
        Response ok = phone.awaitResponse(r -> callId.equals(FakeUserAgent.callId(r)) && r.getStatusCode() == 200
                && ((CSeqHeader) r.getHeader(CSeqHeader.NAME)).getSeqNumber() == retryCSeq);
        phone.sendAck(ok, retry);
        phone.sendInDialog(phone.inDialog(ok, retry, Request.BYE, retryCSeq + 1));
        awaitByeAnswered(phone, retry);

        JsonNode cdr = cdrsOnKafka(1).get(0);
        assertThat(cdr.get("call_id").asText()).isEqualTo(callId);
        assertThat(cdr.get("outcome").asText()).isEqualTo("answered");
        assertThat(cdr.get("direction").asText()).isEqualTo("endpoint_to_pbx");
        try (Connection c = DriverManager.getConnection(proxy.dbUrl(), "root", "")) {
            await().atMost(WAIT).until(() -> count(c, "SELECT COUNT(*) FROM acc") == 1);
            assertThat(count(c, "SELECT COUNT(*) FROM missed_calls")).as("the 407 is no missed or failed call").isZero();
        }
    }

    @Test
    void aDialogWithoutByeIsClosedAfterTheMaximumAndItsCdrFlagged() throws Exception {
        proxy.with("sipflow.acc.max-dialog-duration", "2s").restart();
        FakeUserAgent pbx = asterisk.agent();
        Request invite = ringFromPbx(pbx);
        phone.replyToInvite(FakeUserAgent.callId(invite), 200);
        pbx.sendAck(pbx.awaitResponse(invite, 200), invite);
        // no BYE: after sipflow.acc.max-dialog-duration (2 s) SipFlow closes the dialog
        JsonNode cdr = cdrsOnKafka(1).get(0);
        assertThat(cdr.get("outcome").asText()).isEqualTo("answered");
        assertThat(cdr.get("hung_up_by").asText()).isEqualTo("sipflow");
        assertThat(cdr.get("flags").toString()).contains("closed_by_timeout");
        assertThat(cdr.get("duration_ms").asLong()).isBetween(1_900L, 10_000L);
    }

    @Test
    void aCallAnsweredBeforeARestartIsAccountedWhenItsByeComesAfter() throws Exception {
        FakeUserAgent pbx = asterisk.agent();
        Request invite = ringFromPbx(pbx);
        phone.replyToInvite(FakeUserAgent.callId(invite), 200);
        Response ok = pbx.awaitResponse(invite, 200);
        pbx.sendAck(ok, invite);

        proxy.restart(); // graceful: the open dialog is saved and taken back
        pbx.sendInDialog(pbx.inDialog(ok, invite, Request.BYE, 2));
        awaitByeAnswered(pbx, invite);
        JsonNode cdr = cdrsOnKafka(1).get(0);
        assertThat(cdr.get("call_id").asText()).isEqualTo(FakeUserAgent.callId(invite));
        assertThat(cdr.get("outcome").asText()).isEqualTo("answered");
        assertThat(cdr.get("hung_up_by").asText()).isEqualTo("caller");
        assertThat(cdr.get("flags").size()).isZero();
    }

    // ---------------------------------------------------------------------------------------------

    /** PBX -> endpoint: 180, 200, ACK, then the PBX hangs up after {@code talkMs}; returns the Call-ID. */
    private String answeredCallHungUpByThePbx(FakeUserAgent pbx, long talkMs) throws Exception {
        Request invite = ringFromPbx(pbx);
        phone.replyToInvite(FakeUserAgent.callId(invite), 200);
        Response ok = pbx.awaitResponse(invite, 200);
        pbx.sendAck(ok, invite);
        long answeredAt = System.currentTimeMillis();
        await().pollInterval(Duration.ofMillis(10)).until(() -> System.currentTimeMillis() - answeredAt >= talkMs);
        Request bye = pbx.inDialog(ok, invite, Request.BYE, 2);
        pbx.sendInDialog(bye);
        awaitByeAnswered(pbx, invite);
        return FakeUserAgent.callId(invite);
    }

    /** The PBX calls user 401 through SipFlow; returns once it rings (180 back at the PBX). */
    private Request ringFromPbx(FakeUserAgent pbx) throws Exception {
        Request invite = pbx.newRequest(Request.INVITE, "sip:401@" + proxy.host() + ":" + proxy.port(), "sip:401@" + TENANT, "pbx");
        pbx.send(invite, proxy.uri());
        pbx.awaitResponse(invite, 180);
        return invite;
    }

    private static void awaitByeAnswered(FakeUserAgent agent, Request invite) {
        agent.awaitResponse(r -> FakeUserAgent.callId(r).equals(FakeUserAgent.callId(invite)) && r.getStatusCode() == 200
                && "BYE".equals(((javax.sip.header.CSeqHeader) r.getHeader("CSeq")).getMethod()));
    }

    private void failedCall(FakeUserAgent pbx, int code) throws Exception {
        Request invite = ringFromPbx(pbx);
        phone.replyToInvite(FakeUserAgent.callId(invite), code);
        pbx.awaitResponse(invite, code);
    }

    private void cancelledCall(FakeUserAgent pbx) throws Exception {
        Request invite = pbx.newRequest(Request.INVITE, "sip:401@" + proxy.host() + ":" + proxy.port(), "sip:401@" + TENANT, "pbx");
        ClientTransaction tx = pbx.send(invite, proxy.uri());
        pbx.awaitResponse(invite, 180);
        pbx.cancel(tx);
        pbx.awaitResponse(invite, 487);
    }

    /** Awaits exactly {@code n} CDRs on this app's CDR topic (and checks no more arrive with them). */
    private List<JsonNode> cdrsOnKafka(int n) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = TestKafka.consumer(TestKafka.shared().bootstrapServers(),
                proxy.property("sipflow.events.kafka.topic-cdr"))) {
            TestKafka.awaitExactly(consumer, records, n, WAIT);
        }
        List<JsonNode> cdrs = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            JsonNode cdr = EventJson.read(r.value());
            assertThat(r.key()).isEqualTo(cdr.get("call_id").asText());
            cdrs.add(cdr);
        }
        return cdrs;
    }

    private static long count(Connection c, String sql) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
