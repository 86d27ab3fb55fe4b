package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.parser.StringMsgParser;
import gov.nist.javax.sip.stack.SIPTransaction;
import gov.nist.javax.sip.stack.SIPTransactionStack;
import io.sipflow.component.sip.stack.SipStackRuntime;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.FreePorts;
import io.sipflow.testsupport.RawSipClient;
import io.sipflow.testsupport.SipFlowTestApp;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import javax.sip.ClientTransaction;
import javax.sip.RequestEvent;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real application and its YAML routes between a fake UAC and a fake UAS, over UDP on 127.0.0.1. */
class ProxyCoreFlowTest {

    @RegisterExtension
    final FakeUserAgent uac = new FakeUserAgent("127.0.0.1");
    @RegisterExtension
    final FakeUserAgent uas = new FakeUserAgent("127.0.0.1");

    private SipFlowTestApp proxy;

    private SipFlowTestApp startProxy(String nextHop) throws Exception {
        proxy = new SipFlowTestApp().with("sipflow.relay.next-hop", nextHop).start();
        return proxy;
    }

    private SipFlowTestApp startProxy() throws Exception {
        return startProxy(uas.uri());
    }

    @AfterEach
    void stopProxy() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void optionsAddressedToTheProxyIsAnswered200Locally() throws Exception {
        startProxy();
        Request options = uac.newRequest(Request.OPTIONS, proxy.uri(), proxy.uri(), "alice");
        uac.send(options, proxy.uri());

        Response ok = uac.awaitResponse(options, 200);
        StringBuilder allow = new StringBuilder();
        ok.getHeaders("Allow").forEachRemaining(h -> allow.append(h));
        assertThat(allow.toString()).contains("INVITE").contains("REGISTER").contains("OPTIONS");
        assertThat(uas.requests()).isEmpty();
    }

    @Test
    void inviteCallFlowPassesThroughTheProxyWithRecordRoute() throws Exception {
        startProxy();
        uas.answer(Request.INVITE, 100, 180).answer(Request.BYE, 200);
        Request invite = uac.newRequest(Request.INVITE, "sip:201@tenant-a.example", "sip:201@tenant-a.example", "alice");
        uac.send(invite, proxy.uri());

        // 180 and 200 sent back to back may be handled by two SIP threads in either order, and a
        // provisional after the final is rightly dropped: answer once the 180 is through
        uac.awaitResponse(invite, 180);
        uas.replyToInvite(FakeUserAgent.callId(invite), 200);
        Response ok = uac.awaitResponse(invite, 200);

        Request forwarded = uas.awaitRequest(Request.INVITE, FakeUserAgent.callId(invite)).getRequest();
        assertThat(((MaxForwardsHeader) forwarded.getHeader(MaxForwardsHeader.NAME)).getMaxForwards()).isEqualTo(69);
        ViaHeader topVia = (ViaHeader) forwarded.getHeader(ViaHeader.NAME);
        assertThat(topVia.getPort()).isEqualTo(proxy.port());
        assertThat(topVia.getBranch()).startsWith("z9hG4bK");
        assertThat(count(forwarded.getHeaders(ViaHeader.NAME))).isEqualTo(2);
        RecordRouteHeader rr = (RecordRouteHeader) forwarded.getHeader(RecordRouteHeader.NAME);
        assertThat(rr.toString()).contains("127.0.0.1:" + proxy.port()).contains(";lr");
        // the proxy's own 100 reached the UAC; the UAS's 100 is hop by hop and was absorbed
        assertThat(uac.responses().stream().filter(r -> r.getStatusCode() == 100)).hasSize(1);
        // the UAC sees exactly its own Via in responses: the proxy stripped its Via
        assertThat(count(ok.getHeaders(ViaHeader.NAME))).isEqualTo(1);

        uac.sendAck(ok, invite);
        uas.awaitRequest(Request.ACK, FakeUserAgent.callId(invite));

        Request bye = uac.inDialog(ok, invite, Request.BYE, 2);
        uac.sendInDialog(bye);
        RequestEvent byeAtUas = uas.awaitRequest(Request.BYE, FakeUserAgent.callId(invite));
        assertThat(byeAtUas.getRequest().getHeader("Route")).as("our Route entry was consumed").isNull();
        uac.awaitResponse(bye, 200);
    }

    @Test
    void registerIsRelayedWithoutRecordRoute() throws Exception {
        proxy = new SipFlowTestApp().with("sipflow.relay.next-hop", uas.uri())
                .tenant("tenant-a.example", 1, uas.uri()).start();
        uas.answer(Request.REGISTER, 200);
        Request register = uac.newRequest(Request.REGISTER, "sip:tenant-a.example", "sip:201@tenant-a.example", "201");
        uac.send(register, proxy.uri());

        uac.awaitResponse(register, 200);
        Request forwarded = uas.awaitRequest(Request.REGISTER, FakeUserAgent.callId(register)).getRequest();
        assertThat(forwarded.getHeader(RecordRouteHeader.NAME)).isNull();
    }

    @Test
    void cancelBeforeAnswerIsAnsweredHopByHopAndYields487() throws Exception {
        startProxy();
        uas.answer(Request.INVITE, 180);
        Request invite = uac.newRequest(Request.INVITE, "sip:202@tenant-a.example", "sip:202@tenant-a.example", "alice");
        ClientTransaction tx = uac.send(invite, proxy.uri());
        uac.awaitResponse(invite, 180);

        ClientTransaction cancel = uac.cancel(tx);
        uac.awaitResponse(cancel.getRequest(), 200);
        uas.awaitRequest(Request.CANCEL, FakeUserAgent.callId(invite));
        uac.awaitResponse(invite, 487);
    }

    @Test
    void silentNextHopYields408() throws Exception {
        startProxy();
        uas.silent();
        Request invite = uac.newRequest(Request.INVITE, "sip:203@tenant-a.example", "sip:203@tenant-a.example", "alice");
        uac.send(invite, proxy.uri());

        uac.awaitResponse(invite, 408);
        uas.awaitRequest(Request.INVITE, FakeUserAgent.callId(invite));
    }

    @Test
    void unreachableNextHopYields503() throws Exception {
        int closed = FreePorts.udpAndTcp("127.0.0.1");
        startProxy("sip:127.0.0.1:" + closed + ";transport=tcp");
        Request options = uac.newRequest(Request.OPTIONS, "sip:204@tenant-a.example", "sip:204@tenant-a.example", "alice");
        uac.send(options, proxy.uri());

        uac.awaitResponse(options, 503);
    }

    @Test
    void unreachableNextHopFailsOverToTheFailoverHop() throws Exception {
        int closed = FreePorts.udpAndTcp("127.0.0.1");
        proxy = new SipFlowTestApp()
                .with("sipflow.relay.next-hop", "sip:127.0.0.1:" + closed + ";transport=tcp")
                .with("sipflow.relay.failover-hop", uas.uri())
                .start();
        uas.answer(Request.MESSAGE, 200);
        Request message = uac.newRequest(Request.MESSAGE, "sip:205@tenant-a.example", "sip:205@tenant-a.example", "alice");
        uac.send(message, proxy.uri());

        uac.awaitResponse(message, 200);
        uas.awaitRequest(Request.MESSAGE, FakeUserAgent.callId(message));
    }

    @Test
    void maxForwardsZeroYields483AndIsNotForwarded() throws Exception {
        startProxy();
        uas.answer(Request.MESSAGE, 200);
        Request message = uac.newRequest(Request.MESSAGE, "sip:206@tenant-a.example", "sip:206@tenant-a.example", "alice");
        ((MaxForwardsHeader) message.getHeader(MaxForwardsHeader.NAME)).setMaxForwards(0);
        uac.send(message, proxy.uri());

        uac.awaitResponse(message, 483);
        assertThat(uas.findRequest(Request.MESSAGE, FakeUserAgent.callId(message))).isNull();
    }

    @Test
    void requestThatComesBackToTheProxyIsALoop482() throws Exception {
        // the next hop is the proxy itself: the request returns with our Via and the same hash
        SipFlowTestApp self = new SipFlowTestApp();
        self.with("sipflow.relay.next-hop", self.uri()).start();
        proxy = self;
        Request message = uac.newRequest(Request.MESSAGE, "sip:207@tenant-a.example", "sip:207@tenant-a.example", "alice");
        uac.send(message, proxy.uri());

        uac.awaitResponse(message, 482);
    }

    @Test
    void responseToANattedClientGoesToItsSourcePortPerRport() throws Exception {
        startProxy();
        try (RawSipClient client = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            // the Via claims a private address and another port; rport asks for the source instead
            String options = "OPTIONS " + proxy.uri() + " SIP/2.0\r\n"
                    + "Via: SIP/2.0/UDP 10.9.9.9:5999;branch=z9hG4bK-nat-1;rport\r\n"
                    + "Max-Forwards: 70\r\n"
                    + "From: <sip:alice@10.9.9.9>;tag=nat1\r\n"
                    + "To: <" + proxy.uri() + ">\r\n"
                    + "Call-ID: nat-rport-1@10.9.9.9\r\n"
                    + "CSeq: 1 OPTIONS\r\n"
                    + "Content-Length: 0\r\n\r\n";
            client.sendUdp(options);
            String response = client.receiveUdp(FakeUserAgent.WAIT);
            assertThat(response).startsWith("SIP/2.0 200");
            assertThat(response).contains("rport=" + client.localPort()).contains("received=127.0.0.1");
        }
    }

    @Test
    void aStrayTwoHundredIsRelayedStatelessly() throws Exception {
        startProxy();
        try (RawSipClient phone = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port());
                RawSipClient pbx = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            // RFC 3261 branches no client transaction has: SipFlowSipStack hands them on without scanning the table
            for (String branch : List.of("z9hG4bKsf-no-such-transaction-1", "z9hG4bKsf-no-such-transaction-2")) {
                pbx.sendUdp("SIP/2.0 200 OK\r\n"
                        + "Via: SIP/2.0/UDP 127.0.0.1:" + proxy.port() + ";branch=" + branch + "\r\n"
                        + "Via: SIP/2.0/UDP 127.0.0.1:" + phone.localPort() + ";branch=z9hG4bK-phone-" + branch + "\r\n"
                        + "From: <sip:alice@127.0.0.1>;tag=a1\r\n"
                        + "To: <sip:201@tenant-a.example>;tag=b1\r\n"
                        + "Call-ID: stray-" + branch + "@127.0.0.1\r\n"
                        + "CSeq: 1 INVITE\r\n"
                        + "Contact: <sip:201@127.0.0.1:" + pbx.localPort() + ">\r\n"
                        + "Content-Length: 0\r\n\r\n");
                String relayed = phone.receiveUdp(FakeUserAgent.WAIT);
                assertThat(relayed).as("stray 2xx with branch %s", branch).startsWith("SIP/2.0 200")
                        .contains("branch=z9hG4bK-phone-" + branch).doesNotContain("branch=" + branch + "\r\n");
            }
        }
    }

    @Test
    void retransmittedRequestIsAbsorbedByTheTransactionLayer() throws Exception {
        startProxy();
        RequestEvent[] seen = new RequestEvent[1];
        try (RawSipClient client = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port());
                DatagramSocket unused = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            uas.answer(Request.MESSAGE, 200);
            String message = message(client, "retrans-1");
            client.sendUdp(message);
            client.sendUdp(message);
            client.sendUdp(message);
            assertThat(client.receiveUdpMatching(m -> m.startsWith("SIP/2.0 200"), FakeUserAgent.WAIT)).isNotNull();
            seen[0] = uas.awaitRequest(Request.MESSAGE, "retrans-1@127.0.0.1");
            // after the final answer, a retransmission is answered from the transaction, not forwarded
            client.sendUdp(message);
            assertThat(client.receiveUdpMatching(m -> m.startsWith("SIP/2.0 200"), FakeUserAgent.WAIT)).isNotNull();
            assertThat(uas.requests().stream().filter(e -> e.getRequest().getMethod().equals(Request.MESSAGE))).hasSize(1);
        }
        assertThat(seen[0]).isNotNull();
    }

    @Test
    void anAnsweredNonInviteRequestLeavesOnlyItsAnswersBytesForTheWaitTimer() throws Exception {
        startProxy();
        try (RawSipClient client = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            uas.answer(Request.MESSAGE, 200);
            String message = message(client, "linger-2");
            client.sendUdp(message);
            String first = client.receiveUdpMatching(m -> m.startsWith("SIP/2.0 200"), FakeUserAgent.WAIT);
            String relayedBranch = ((ViaHeader) uas.awaitRequest(Request.MESSAGE, "linger-2@127.0.0.1").getRequest()
                    .getHeader(ViaHeader.NAME)).getBranch().toLowerCase(Locale.ROOT);
            SipStackRuntime runtime = proxy.sipComponent().getRuntime();
            SIPTransactionStack stack = (SIPTransactionStack) runtime.stack();
            // thousands of answered requests wait for retransmissions at load (the wait timer, 5 s): what they
            // hold is copied or marked by every GC. The server transaction ends 64 ms after its answer, whose
            // bytes are kept (AnsweredRequests); the client one lingers without its messages nor SipFlow's state
            await().atMost(FakeUserAgent.WAIT).until(() -> stack.findTransaction("z9hg4bk-linger-2", true) == null);
            assertThat(runtime.answeredRequests().size()).isEqualTo(1);
            await().atMost(FakeUserAgent.WAIT).until(() -> stack.findTransaction(relayedBranch, false) != null
                    && stack.findTransaction(relayedBranch, false).getApplicationData() == null);
            assertThat(stack.findTransaction(relayedBranch, false).getRequest()).isNull();
            // a retransmission is answered again with the same bytes, not forwarded
            client.sendUdp(message);
            assertThat(client.receiveUdpMatching(m -> m.startsWith("SIP/2.0 200"), FakeUserAgent.WAIT)).isEqualTo(first);
            assertThat(runtime.counters().answeredRetransmissions.sum()).isEqualTo(1);
            assertThat(uas.requests().stream().filter(e -> e.getRequest().getMethod().equals(Request.MESSAGE))).hasSize(1);
            // the same branch from another sent-by is not a retransmission (RFC 3261 §17.2.3): relayed as new
            client.sendUdp(message.replace("127.0.0.1:" + client.localPort() + ";", "127.0.0.1:" + (client.localPort() + 1) + ";"));
            assertThat(client.receiveUdpMatching(m -> m.startsWith("SIP/2.0 200"), FakeUserAgent.WAIT)).isNotNull();
            assertThat(uas.requests().stream().filter(e -> e.getRequest().getMethod().equals(Request.MESSAGE))).hasSize(2);
            assertThat(runtime.counters().answeredRetransmissions.sum()).isEqualTo(1);
        }
    }

    @Test
    void anRfc2543RequestIsServedWhileAnsweredTransactionsLinger() throws Exception {
        startProxy();
        try (RawSipClient client = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            uas.answer(Request.MESSAGE, 200);
            client.sendUdp(message(client, "linger-3"));
            assertThat(client.receiveUdpMatching(m -> m.startsWith("SIP/2.0 200"), FakeUserAgent.WAIT)).isNotNull();
            // no magic cookie in the branch: JAIN-SIP matches it against every lingering server transaction
            String legacy = message(client, "linger-4").replace("branch=z9hG4bK-linger-4", "branch=legacy-4");
            client.sendUdp(legacy);
            assertThat(client.receiveUdpMatching(m -> m.startsWith("SIP/2.0 200") && m.contains("legacy-4"), FakeUserAgent.WAIT))
                    .isNotNull();
            assertThat(uas.awaitRequest(Request.MESSAGE, "linger-4@127.0.0.1")).isNotNull();
        }
    }

    @Test
    void anAnsweredRfc2543RequestsRetransmissionIsAnsweredFromItsTransaction() throws Exception {
        startProxy();
        try (RawSipClient client = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            uas.answer(Request.MESSAGE, 200);
            // matched on request URI, tags, Call-ID, CSeq and top Via (RFC 3261 §17.2.3's RFC 2543 rule): all kept
            String legacy = message(client, "linger-5").replace("branch=z9hG4bK-linger-5", "branch=legacy-5");
            client.sendUdp(legacy);
            assertThat(client.receiveUdpMatching(m -> m.startsWith("SIP/2.0 200") && m.contains("legacy-5"), FakeUserAgent.WAIT))
                    .isNotNull();
            assertThat(uas.awaitRequest(Request.MESSAGE, "linger-5@127.0.0.1")).isNotNull();
            // its transaction lingers for the wait timer with only the fields it is matched on, nothing of SipFlow's
            SIPTransaction server = ((SIPTransactionStack) proxy.sipComponent().getRuntime().stack())
                    .findTransaction(new StringMsgParser().parseSIPMessage(legacy.getBytes(StandardCharsets.UTF_8), true, false, null), true);
            assertThat(server).isNotNull();
            assertThat(server.getApplicationData()).isNull();
            List<String> keptHeaders = new ArrayList<>();
            ((SIPRequest) server.getRequest()).getHeaderNames().forEachRemaining(name -> keptHeaders.add((String) name));
            assertThat(keptHeaders).containsExactlyInAnyOrder("Via", "From", "To", "Call-ID", "CSeq",
                "Content-Length"); // 0: every new SIPMessage has one
            assertThat(server.getRequest().getRequestURI()).hasToString("sip:208@tenant-a.example");
            client.sendUdp(legacy);
            assertThat(client.receiveUdpMatching(m -> m.startsWith("SIP/2.0 200") && m.contains("legacy-5"), FakeUserAgent.WAIT))
                    .isNotNull();
            assertThat(uas.requests().stream().filter(e -> e.getRequest().getMethod().equals(Request.MESSAGE))).hasSize(1);
            assertThat(proxy.sipComponent().getRuntime().counters().answeredRetransmissions.sum()).isZero();
        }
    }

    /** A MESSAGE to 208@tenant-a.example from this client: branch z9hG4bK-{@code id}, Call-ID {@code id}@127.0.0.1. */
    private static String message(RawSipClient client, String id) {
        return "MESSAGE sip:208@tenant-a.example SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + client.localPort() + ";branch=z9hG4bK-" + id + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:alice@tenant-a.example>;tag=" + id + "\r\n"
                + "To: <sip:208@tenant-a.example>\r\n"
                + "Call-ID: " + id + "@127.0.0.1\r\n"
                + "CSeq: 1 MESSAGE\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    @Test
    void shutdownLetsAnInviteInFlightFinish() throws Exception {
        startProxy();
        uas.answer(Request.INVITE, 180);
        Request invite = uac.newRequest(Request.INVITE, "sip:209@tenant-a.example", "sip:209@tenant-a.example", "alice");
        uac.send(invite, proxy.uri());
        uac.awaitResponse(invite, 180);

        SipFlowTestApp stopping = proxy;
        proxy = null;
        Thread stopper = new Thread(() -> {
            try {
                stopping.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "test-stopper");
        stopper.start();
        await().atMost(FakeUserAgent.WAIT).until(() -> stopping.application().context().isStopping());

        uas.replyToInvite(FakeUserAgent.callId(invite), 200);
        uac.awaitResponse(invite, 200);
        stopper.join(FakeUserAgent.WAIT.toMillis());
        assertThat(stopper.isAlive()).isFalse();
        assertThat(stopping.application().context().isStopped()).isTrue();
    }

    private static int count(ListIterator<?> it) {
        int n = 0;
        while (it.hasNext()) {
            it.next();
            n++;
        }
        return n;
    }
}
