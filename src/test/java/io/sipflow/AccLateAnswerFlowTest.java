package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.List;
import java.util.UUID;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Calls SipFlow gave up on (its own final-response timeout, 408) whose callee answers anyway: the
 * late 2xx still reaches the PBX (RFC 3261 §16.7 step 5), the call is up, and it must be accounted as
 * one answered call, not as missed. And a timeout no 2xx follows: one missed CDR once the late-answer
 * window has passed. Real sockets, the real routes, Kafka and MariaDB.
 *
 * <p>The PBX is a raw UDP socket on the tenant PBX's address: a JAIN-SIP client transaction that got
 * the 408 drops a later 2xx, as some real user agents do; this one answers it with ACK and BYE.
 */
class AccLateAnswerFlowTest {

    private static final String TENANT = "acc-late.example";
    private static final String PBX_HOST = "127.0.0.59";
    private static final String PASSWORD = "phone";
    private static final Duration FR_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration WINDOW = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private FakeAsterisk asterisk;
    private FakeUserAgent phone;
    private SipFlowTestApp proxy;
    private KafkaConsumer<String, String> cdrTopic;
    private final List<ConsumerRecord<String, String>> cdrRecords = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        asterisk = new FakeAsterisk(PBX_HOST).start().user("401", PASSWORD);
        phone = new FakeUserAgent("127.0.0.60").start();
        phone.answer(Request.BYE, 200);
        proxy = new SipFlowTestApp().tenant(TENANT, 1, asterisk.uri())
                .quickCallTimers(FR_TIMEOUT, WINDOW)
                .start();
        assertThat(Registrations.register(phone, proxy.uri(), 401, TENANT, 3600, PASSWORD).getStatusCode()).isEqualTo(200);
        cdrTopic = TestKafka.consumer(TestKafka.shared().bootstrapServers(), proxy.property("sipflow.events.kafka.topic-cdr"));
    }

    @AfterEach
    void stop() throws Exception {
        cdrTopic.close();
        proxy.close();
        phone.close();
        asterisk.close();
    }

    @Test
    void aCalleeAnsweringAfterSipFlowsTimeoutIsOneAnsweredCallAccountedAtItsBye() throws Exception {
        phone.answer(Request.INVITE); // no provisional: SipFlow's fr-timeout ends the branch (no CANCEL)
        String callId = "late-" + UUID.randomUUID();
        try (RawPbx pbx = new RawPbx(PBX_HOST, proxy.host(), proxy.port())) {
            String inviteBranch = "z9hG4bK-inv-" + UUID.randomUUID();
            pbx.invite("401", TENANT, callId, inviteBranch);
            Response timeout = pbx.expectResponse(408, Request.INVITE, WAIT);
            pbx.ackFailure("401", callId, inviteBranch, timeout);

            // the callee answers after SipFlow gave up: the 2xx still reaches the PBX
            phone.awaitRequest(Request.INVITE, callId);
            phone.replyToInvite(callId, 200);
            Response ok = pbx.expectResponse(200, Request.INVITE, WAIT);
            String calleeTag = ((ToHeader) ok.getHeader(ToHeader.NAME)).getTag();
            assertThat(calleeTag).isNotEqualTo(((ToHeader) timeout.getHeader(ToHeader.NAME)).getTag());

            pbx.inDialog(Request.ACK, 1, callId, ok);
            phone.awaitRequest(Request.ACK, callId);
            pbx.inDialog(Request.BYE, 2, callId, ok);
            pbx.expectResponse(200, Request.BYE, WAIT);

            JsonNode cdr = TestKafka.awaitEvents(cdrTopic, cdrRecords, 1, WAIT).get(0);
            assertThat(cdr.get("call_id").asText()).isEqualTo(callId);
            assertThat(cdr.get("outcome").asText()).isEqualTo("answered");
            assertThat(cdr.get("sip_code").asInt()).isEqualTo(200);
            assertThat(cdr.get("to_tag").asText()).isEqualTo(calleeTag);
            assertThat(cdr.get("hung_up_by").asText()).isEqualTo("caller");
            assertThat(cdr.get("direction").asText()).isEqualTo("pbx_to_endpoint");
            assertThat(cdr.get("destination_address").asText()).isEqualTo(phone.host() + ":" + phone.port());
            // answered when the 2xx arrived, after SipFlow's timeout
            assertThat(cdr.get("setup_time_ms").asLong()).isGreaterThanOrEqualTo(FR_TIMEOUT.toMillis() - 50);
        }

        // nothing else comes for this call, not even once the late-answer window has passed
        try (Connection c = DriverManager.getConnection(proxy.dbUrl(), "root", "")) {
            await().atMost(WAIT).until(() -> TestMariaDb.count(c, "SELECT COUNT(*) FROM acc WHERE callid = ?", callId) == 1);
            await().during(WINDOW.plusSeconds(1)).atMost(WINDOW.plus(WAIT)).until(() -> {
                TestKafka.pollInto(cdrTopic, cdrRecords);
                return cdrRecords.size() == 1 && TestMariaDb.count(c, "SELECT COUNT(*) FROM missed_calls WHERE callid = ?", callId) == 0
                        && TestMariaDb.count(c, "SELECT COUNT(*) FROM acc WHERE callid = ?", callId) == 1;
            });
            try (PreparedStatement ps = c.prepareStatement("SELECT sip_code, outcome, hung_up_by FROM acc WHERE callid = ?")) {
                ps.setString(1, callId);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString("sip_code")).isEqualTo("200");
                    assertThat(rs.getString("hung_up_by")).isEqualTo("caller");
                }
            }
        }
    }

    @Test
    void aTimeoutNoAnswerFollowsIsOneMissedCallOnceTheWindowHasPassed() throws Exception {
        phone.answer(Request.INVITE, 180); // rings; SipFlow's fr-inv-timeout cancels it, nobody answers
        FakeUserAgent pbx = asterisk.agent();
        Request invite = pbx.newRequest(Request.INVITE, "sip:401@" + proxy.host() + ":" + proxy.port(), "sip:401@" + TENANT, "pbx");
        Instant invited = Instant.now();
        pbx.send(invite, proxy.uri());
        pbx.awaitResponse(invite, 408);
        Instant timedOut = Instant.now();

        JsonNode cdr = TestKafka.awaitEvents(cdrTopic, cdrRecords, 1, WAIT).get(0);
        Instant published = Instant.now();
        assertThat(cdr.get("call_id").asText()).isEqualTo(FakeUserAgent.callId(invite));
        assertThat(cdr.get("outcome").asText()).isEqualTo("missed");
        assertThat(cdr.get("sip_code").asInt()).isEqualTo(408);
        // held for the window, published with the failure's own end
        assertThat(Duration.between(timedOut, published)).isGreaterThanOrEqualTo(WINDOW.minusMillis(300));
        Instant ended = Instant.parse(cdr.get("ended").asText());
        assertThat(ended).isBetween(invited.plus(FR_TIMEOUT).minusMillis(50), timedOut);

        try (Connection c = DriverManager.getConnection(proxy.dbUrl(), "root", "")) {
            String callId = FakeUserAgent.callId(invite);
            await().atMost(WAIT).until(() -> TestMariaDb.count(c, "SELECT COUNT(*) FROM missed_calls WHERE callid = ?", callId) == 1);
            assertThat(TestMariaDb.count(c, "SELECT COUNT(*) FROM acc WHERE callid = ?", callId)).isZero();
            try (PreparedStatement ps = c.prepareStatement("SELECT sip_code, outcome FROM missed_calls WHERE callid = ?")) {
                ps.setString(1, callId);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString("sip_code")).isEqualTo("408");
                    assertThat(rs.getString("outcome")).isEqualTo("missed");
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** Receives (each read bounded by a deadline) until a response with this status to this method comes. */
}
