package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import gov.nist.javax.sip.ListeningPointImpl;
import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.stack.AcceptCachingNioTcpMessageProcessor;
import gov.nist.javax.sip.stack.CompactUdpMessageProcessor;
import io.sipflow.component.sip.SipConstants;
import io.sipflow.component.sip.stack.SipCounters;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.FreePorts;
import io.sipflow.testsupport.RawSipClient;
import io.sipflow.testsupport.SipFlowTestApp;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sip.message.Request;
import org.apache.camel.Processor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** SIP-layer options of the real application: several listen addresses, the size limit, the provisional hook. */
class SipLayerOptionsTest {

    @RegisterExtension
    final FakeUserAgent uac = new FakeUserAgent("127.0.0.1");
    @RegisterExtension
    final FakeUserAgent uas = new FakeUserAgent("127.0.0.1");

    @Test
    void listensOnSeveralAddressesAtOnce() throws Exception {
        int first = FreePorts.udpAndTcp("127.0.0.1");
        int second = FreePorts.udpAndTcp("127.0.0.2");
        String listen = "udp:127.0.0.1:" + first + ",tcp:127.0.0.1:" + first + ",udp:127.0.0.2:" + second;
        try (SipFlowTestApp proxy = new SipFlowTestApp().with("sipflow.sip.listen", listen).start()) {
            for (String target : List.of("sip:127.0.0.1:" + first, "sip:127.0.0.2:" + second)) {
                Request options = uac.newRequest(Request.OPTIONS, target, target, "ops");
                uac.send(options, target);
                uac.awaitResponse(options, 200);
            }
            assertThat(proxy.port()).isPositive();
        }
    }

    @Test
    void sipFlowsOwnReceiversAreInPlaceAndUdpAnswersLeaveFromTheListeningPort() throws Exception {
        try (SipFlowTestApp proxy = new SipFlowTestApp().start();
                DatagramSocket phone = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            SipStackImpl stack = (SipStackImpl) proxy.sipComponent().getRuntime().stack();
            List<Class<?>> processors = new ArrayList<>();
            stack.getListeningPoints().forEachRemaining(lp -> processors.add(((ListeningPointImpl) lp).getMessageProcessor().getClass()));
            assertThat(processors).contains(CompactUdpMessageProcessor.class, AcceptCachingNioTcpMessageProcessor.class);

            // a request with a body several times the usual size arrives whole through the reused buffer
            String padded = options(proxy, phone.getLocalPort(), "padded-1", "X-Padding: " + "p".repeat(6000) + "\r\n");
            byte[] bytes = padded.getBytes(StandardCharsets.UTF_8);
            phone.send(new DatagramPacket(bytes, bytes.length, InetAddress.getByName("127.0.0.1"), proxy.port()));
            phone.setSoTimeout((int) FakeUserAgent.WAIT.toMillis());
            DatagramPacket answer = new DatagramPacket(new byte[65_535], 65_535);
            phone.receive(answer);
            assertThat(new String(answer.getData(), 0, answer.getLength(), StandardCharsets.UTF_8))
                    .startsWith("SIP/2.0 200").contains("padded-1");
            // RFC 3261 §18.2.2 and symmetric NAT: the answer comes from the port the request went to
            assertThat(answer.getPort()).isEqualTo(proxy.port());
        }
    }

    @Test
    void oversizedMessageIsRefusedAndCountedAndSipFlowKeepsAnswering() throws Exception {
        try (SipFlowTestApp proxy = new SipFlowTestApp().with("sipflow.sip.max-message-size", "2000").start();
                RawSipClient client = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            String big = options(proxy, client.localPort(), "big-1", "X-Padding: " + "a".repeat(3000) + "\r\n");
            client.sendUdp(big);
            String small = options(proxy, client.localPort(), "small-1", "");
            client.sendUdp(small);
            List<String> answers = new CopyOnWriteArrayList<>();
            // both answers, in whatever order the two SIP threads produce them
            client.receiveUdpMatching(m -> {
                answers.add(m);
                return answers.size() == 2;
            }, FakeUserAgent.WAIT);
            assertThat(answers).anySatisfy(m -> assertThat(m).startsWith("SIP/2.0 200").contains("small-1"));
            assertThat(answers).anySatisfy(m -> assertThat(m).startsWith("SIP/2.0 400").contains("max-message-size")
                    .contains("big-1"));
            await().atMost(FakeUserAgent.WAIT)
                    .until(() -> proxy.sipComponent().getRuntime().counters().unparseableMessages.sum() == 1);
        }
    }

    @Test
    void provisionalResponsesReachTheOptionalHookAndGoUpstream() throws Exception {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        Processor probe = exchange -> seen.add(exchange.getMessage().getHeader(SipConstants.STATUS_CODE, Integer.class));
        uas.answer(Request.INVITE, 180, 183);
        try (SipFlowTestApp proxy = new SipFlowTestApp().with("sipflow.relay.next-hop", uas.uri())
                .with("sipflow.routes.dir", Path.of("src/test/resources/provisional-routes").toAbsolutePath().toString())
                .bind("provisionalProbe", probe).start()) {
            Request invite = uac.newRequest(Request.INVITE, "sip:201@tenant-a.example", "sip:201@tenant-a.example", "alice");
            uac.send(invite, proxy.uri());
            uac.awaitResponse(invite, 180);
            uac.awaitResponse(invite, 183);
            uas.replyToInvite(FakeUserAgent.callId(invite), 200);
            uac.awaitResponse(invite, 200);
            await().atMost(FakeUserAgent.WAIT).until(() -> seen.size() == 2);
            assertThat(seen).containsExactlyInAnyOrder(180, 183);
        }
    }

    @Test
    void anAnsweredNonInviteRequestIsAnsweredAgainForTheWaitTimerOnly() throws Exception {
        try (SipFlowTestApp proxy = new SipFlowTestApp().with("sipflow.sip.wait-timer", "1s").start();
                RawSipClient client = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            SipCounters counters = proxy.sipComponent().getRuntime().counters();
            // ended INVITE transactions linger for the wait timer too (whole seconds), not JAIN-SIP's 8 s
            assertThat(((SipStackImpl) proxy.sipComponent().getRuntime().stack()).getConnectionLingerTimer()).isEqualTo(1);
            String request = options(proxy, client.localPort(), "linger-1", "");
            client.sendUdp(request);
            String first = client.receiveUdpMatching(m -> m.startsWith("SIP/2.0 200"), FakeUserAgent.WAIT);
            // the stack's transaction is gone at once (64 ms: until then it would answer a retransmission itself)
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> proxy.sipComponent().getRuntime().serverTransactionCount() == 0);
            client.sendUdp(request); // a retransmission: answered again from the kept answer, not routed again
            String again = client.receiveUdpMatching(m -> m.startsWith("SIP/2.0 200"), FakeUserAgent.WAIT);
            assertThat(toTag(again)).isNotBlank().isEqualTo(toTag(first));
            assertThat(counters.receivedRequests.sum()).isEqualTo(1);
            assertThat(counters.answeredRetransmissions.sum()).isEqualTo(1);
            // after the wait timer (not the RFC's 32 s) the same request is a new one
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200)).until(() -> {
                client.sendUdp(request);
                client.receiveUdpMatching(m -> m.startsWith("SIP/2.0 200"), FakeUserAgent.WAIT);
                return counters.receivedRequests.sum() == 2;
            });
        }
    }

    @Test
    void theFastHeaderParserIsOnByDefaultCanBeTurnedOffAndABadValueFailsStartupNamingTheProperty() throws Exception {
        for (String setting : List.of("true", "false")) {
            SipFlowTestApp app = new SipFlowTestApp();
            if ("false".equals(setting)) {
                app.with("sipflow.sip.fast-header-parser", "false");
            }
            try (SipFlowTestApp proxy = app.start();
                    RawSipClient client = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
                assertThat(proxy.sipComponent().getRuntime().settings().fastHeaderParser())
                        .isEqualTo(Boolean.parseBoolean(setting));
                client.sendUdp(options(proxy, client.localPort(), "parser-" + setting, ""));
                String answer = client.receiveUdpMatching(m -> m.contains("parser-" + setting), FakeUserAgent.WAIT);
                assertThat(answer).startsWith("SIP/2.0 200").contains("CSeq: 1 OPTIONS");
            }
        }
        assertThatThrownBy(() -> new SipFlowTestApp().with("sipflow.sip.fast-header-parser", "yes").start().close())
                .hasStackTraceContaining("Invalid sipflow.sip.fast-header-parser 'yes'");
    }

    @Test
    void anOutOfRangeWaitTimerFailsStartupNamingTheProperty() {
        assertThatThrownBy(() -> new SipFlowTestApp().with("sipflow.sip.wait-timer", "40s").start().close())
                .hasStackTraceContaining("sipflow.sip.wait-timer must be between 64ms and 32s");
    }

    private static String toTag(String response) {
        return response.lines().filter(l -> l.toLowerCase().startsWith("to:")).findFirst().orElse("")
                .replaceAll(".*;tag=([^;\\s]+).*", "$1");
    }

    private static String options(SipFlowTestApp proxy, int localPort, String callId, String extra) {
        return "OPTIONS " + proxy.uri() + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + localPort + ";branch=z9hG4bK-" + callId + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:ops@127.0.0.1>;tag=o1\r\n"
                + "To: <" + proxy.uri() + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 OPTIONS\r\n"
                + extra
                + "Content-Length: 0\r\n\r\n";
    }
}
