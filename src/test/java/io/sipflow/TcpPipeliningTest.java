package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipflow.testsupport.FakeAsterisk;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.RawSipClient;
import io.sipflow.testsupport.Registrations;
import io.sipflow.testsupport.SipFlowTestApp;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sip.RequestEvent;
import javax.sip.header.ContactHeader;
import javax.sip.message.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that opens a TCP connection and at once sends several requests down it (a PBX or phone
 * sending a burst after connecting) gets every answer on that connection, and the connection stays
 * open. JAIN-SIP processes the requests of one connection on several threads; its first-request
 * bookkeeping (caching the connection for reuse) is a check-then-act that, run twice at once, closed
 * the very connection it was caching: the client then got nothing at all. SipFlow caches an accepted
 * connection once, on the selector thread, before any request of it is processed.
 */
class TcpPipeliningTest {

    private static final int CONNECTIONS = 20;
    private static final int REQUESTS_PER_CONNECTION = 12;

    private SipFlowTestApp proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void everyRequestPipelinedOnAFreshConnectionIsAnsweredOnIt() throws Exception {
        proxy = new SipFlowTestApp().start();
        for (int c = 0; c < CONNECTIONS; c++) {
            try (RawSipClient client = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
                StringBuilder burst = new StringBuilder();
                for (int i = 0; i < REQUESTS_PER_CONNECTION; i++) {
                    burst.append(options(proxy, "pipe-" + c + "-" + i));
                }
                client.sendTcp(burst.toString().getBytes(StandardCharsets.UTF_8));
                assertThat(awaitCodes(client, REQUESTS_PER_CONNECTION))
                        .as("answers on connection %d", c).hasSize(REQUESTS_PER_CONNECTION).containsOnly(200);

                // the connection is still usable afterwards
                client.sendTcp(options(proxy, "after-" + c).getBytes(StandardCharsets.UTF_8));
                assertThat(awaitCodes(client, 1)).as("connection %d after the burst", c).containsExactly(200);
            }
        }
    }

    @Test
    void aPhoneRegisteredOverTcpIsReachedThroughTheConnectionItRegisteredOn() throws Exception {
        try (FakeAsterisk pbx = new FakeAsterisk("127.0.0.71").start();
                FakeUserAgent phone = new FakeUserAgent("127.0.0.72").start()) {
            pbx.user("207", "pw");
            phone.answer(Request.OPTIONS, 200);
            proxy = new SipFlowTestApp().tenant("tenant-t.example", 1, pbx.uri()).start();
            Request register = Registrations.registerRequest(phone, 207, "tenant-t.example", 3600);
            // behind a NAT: the Contact names a private address; only the phone's own connection reaches it
            register.setHeader(phone.headers().createContactHeader(
                    phone.addresses().createAddress("sip:207@10.9.9.9:5060;transport=tcp")));
            assertThat(Registrations.send(phone, proxy.uri() + ";transport=tcp", register, "pw").getStatusCode())
                    .isEqualTo(200);

            FakeUserAgent asterisk = pbx.agent();
            Request options = asterisk.newRequest(Request.OPTIONS, contactAtPbx(pbx), "sip:207@" + proxy.host(), "asterisk");
            asterisk.send(options, proxy.uri());
            assertThat(Registrations.finalFor(asterisk, options).getStatusCode()).isEqualTo(200);
            RequestEvent atPhone = phone.awaitRequest(Request.OPTIONS, FakeUserAgent.callId(options));
            assertThat(atPhone.getRequest().getRequestURI().toString()).isEqualTo("sip:207@10.9.9.9:5060;transport=tcp");
        }
    }

    /** The Contact SipFlow registered at the PBX for the phone (what Asterisk would dial). */
    private static String contactAtPbx(FakeAsterisk pbx) {
        List<Request> registers = pbx.registers();
        Request last = registers.get(registers.size() - 1);
        return ((ContactHeader) last.getHeader(ContactHeader.NAME)).getAddress().getURI().toString();
    }

    private static List<Integer> awaitCodes(RawSipClient client, int expected) throws Exception {
        List<Integer> codes = new ArrayList<>();
        long deadline = System.nanoTime() + FakeUserAgent.WAIT.toNanos();
        while (codes.size() < expected && System.nanoTime() < deadline) {
            String text = client.receiveTcp(Duration.ofMillis(500));
            if (text == null && client.tcpClosed()) {
                break;
            }
            codes.addAll(RawSipClient.statusCodes(text));
        }
        return codes;
    }

    private static String options(SipFlowTestApp proxy, String callId) {
        return RawSipClient.options(proxy.uri(), "TCP", 5999, callId);
    }
}
