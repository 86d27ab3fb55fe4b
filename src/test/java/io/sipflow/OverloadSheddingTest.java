package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sipflow.component.sip.stack.OverloadGuard;
import io.sipflow.component.sip.stack.SipStackRuntime;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.RawSipClient;
import io.sipflow.testsupport.SipFlowTestApp;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sip.ClientTransaction;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.apache.camel.Processor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Load shedding on the real application: new requests past the admission cap get a stateless
 * 503 + Retry-After while the rest are relayed, in-dialog requests and CANCEL are never shed, a shed
 * request's retransmission gets the 503 again without a transaction, the ACK of a shed INVITE's 503
 * stays with SipFlow, and a really congested receive queue (one SIP thread held) is detected and its
 * relay timeouts do not mark the PBX down. The cap makes the trigger deterministic: a burst of ten
 * times the per-second cap, sent at once, cannot all fit.
 */
class OverloadSheddingTest {

    private static final String DOMAIN = "tenant-a.example";

    @RegisterExtension
    final FakeUserAgent uac = new FakeUserAgent("127.0.0.1");
    @RegisterExtension
    final FakeUserAgent uas = new FakeUserAgent("127.0.0.1");

    private SipFlowTestApp proxy;

    @AfterEach
    void stopProxyAndCheckItsSamplerIsGone() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        await().atMost(FakeUserAgent.WAIT).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.isAlive() && t.getName().equals("sipflow-overload")));
    }

    @Test
    void burstOverTheAdmissionCapIsPartlyShedStatelesslyWithRetryAfterAndTheRestRelayed() throws Exception {
        proxy = new SipFlowTestApp().with("sipflow.sip.overload.max-rate", "4").tenant(DOMAIN, 1, uas.uri()).start();
        uas.answer(Request.REGISTER, 200);
        SipStackRuntime runtime = proxy.sipComponent().getRuntime();
        OverloadGuard guard = runtime.overloadGuard();
        try (RawSipClient phones = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            Map<String, String> sent = new LinkedHashMap<>();
            for (int i = 0; i < 40; i++) {
                sent.put("burst-" + i, register(proxy, phones.localPort(), "burst-" + i, 300 + i));
            }
            for (String request : sent.values()) {
                phones.sendUdp(request);
            }
            Map<String, String> finals = awaitFinals(phones, sent.keySet());
            List<String> shed = withStatus(finals, 503);
            List<String> relayed = withStatus(finals, 200);

            assertThat(shed.size() + relayed.size()).isEqualTo(40);
            assertThat(relayed.size()).as("one second's worth passes at once").isGreaterThanOrEqualTo(4);
            assertThat(shed).isNotEmpty();
            for (String callId : shed) {
                String answer = finals.get(callId);
                assertThat(answer).startsWith("SIP/2.0 503 Overloaded");
                assertThat(Integer.parseInt(header(answer, "Retry-After"))).isBetween(5, 10);
                assertThat(header(answer, "To")).contains(";tag=sfshed");
            }
            for (String callId : relayed) {
                uas.awaitRequest(Request.REGISTER, callId);
            }
            assertThat(runtime.counters().shedRequests.sum()).isEqualTo(shed.size());

            // a retransmission of a relayed REGISTER is its transaction's business, even with no token left
            String relayedId = relayed.get(relayed.size() - 1);
            phones.sendUdp(sent.get(relayedId));
            assertThat(RawSipClient.statusCode(phones.receiveUdpMatching(m -> callId(m).equals(relayedId), FakeUserAgent.WAIT)))
                    .isEqualTo(200);

            // a retransmission of a shed REGISTER gets the same stateless 503, no transaction, no relay
            int transactions = runtime.serverTransactionCount();
            String shedId = shed.get(0);
            phones.sendUdp(sent.get(shedId));
            String again = phones.receiveUdpMatching(m -> callId(m).equals(shedId), FakeUserAgent.WAIT);
            assertThat(again).startsWith("SIP/2.0 503 Overloaded");
            assertThat(header(again, "To")).isEqualTo(header(finals.get(shedId), "To"));
            assertThat(runtime.serverTransactionCount()).isEqualTo(transactions);
            assertThat(runtime.counters().shedRequests.sum()).isEqualTo(shed.size() + 1);
            assertThat(shed).allSatisfy(id -> assertThat(uas.findRequest(Request.REGISTER, id)).isNull());

            String metrics = metrics(proxy);
            assertThat(metrics).contains("shed_requests_total " + (shed.size() + 1) + ".0")
                    .contains("inflight_requests ").contains("queue_delay_seconds ").contains("overloaded ");

            // the load is over: the episode ends, a new REGISTER is relayed again, nothing is left in flight
            await().atMost(FakeUserAgent.WAIT).until(() -> !guard.isShedding());
            await().atMost(FakeUserAgent.WAIT).until(() -> metrics(proxy).contains("overloaded 0.0"));
            phones.sendUdp(register(proxy, phones.localPort(), "after-1", 400));
            assertThat(RawSipClient.statusCode(phones.receiveUdpMatching(m -> callId(m).equals("after-1"), FakeUserAgent.WAIT)))
                    .isEqualTo(200);
            await().atMost(FakeUserAgent.WAIT).until(() -> guard.inFlight() == 0);
        }
    }

    @Test
    void aShed503ReachesANatedPhoneAtItsSourcePortNotTheViaPort() throws Exception {
        proxy = new SipFlowTestApp().with("sipflow.sip.overload.max-rate", "1").tenant(DOMAIN, 1, uas.uri()).start();
        uas.answer(Request.REGISTER, 200);
        try (RawSipClient phone = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            Map<String, String> sent = new LinkedHashMap<>();
            for (int i = 0; i < 10; i++) {
                // behind a NAT: the Via names the phone's private address and port, rport asks for the source
                sent.put("nat-" + i, register(proxy, phone.localPort(), "nat-" + i, 500 + i)
                        .replace("Via: SIP/2.0/UDP 127.0.0.1:" + phone.localPort(), "Via: SIP/2.0/UDP 10.0.0.9:5062"));
            }
            for (String request : sent.values()) {
                phone.sendUdp(request);
            }
            Map<String, String> finals = awaitFinals(phone, sent.keySet());
            assertThat(withStatus(finals, 503)).isNotEmpty();
            assertThat(withStatus(finals, 503).size() + withStatus(finals, 200).size()).isEqualTo(10);
        }
    }

    @Test
    void inDialogRequestsAndCancelAreNeverShed() throws Exception {
        proxy = new SipFlowTestApp().with("sipflow.relay.next-hop", uas.uri()).with("sipflow.sip.overload.max-rate", "2")
                .start();
        SipStackRuntime runtime = proxy.sipComponent().getRuntime();
        uas.answer(Request.INVITE, 180).answer(Request.BYE, 200);
        Request answered = uac.newRequest(Request.INVITE, "sip:201@" + DOMAIN, "sip:201@" + DOMAIN, "alice");
        uac.send(answered, proxy.uri());
        uac.awaitResponse(answered, 180);
        uas.replyToInvite(FakeUserAgent.callId(answered), 200);
        Response ok = uac.awaitResponse(answered, 200);
        uac.sendAck(ok, answered);
        uas.awaitRequest(Request.ACK, FakeUserAgent.callId(answered));
        Request ringing = uac.newRequest(Request.INVITE, "sip:202@" + DOMAIN, "sip:202@" + DOMAIN, "alice");
        ClientTransaction ringingTx = uac.send(ringing, proxy.uri());
        uac.awaitResponse(ringing, 180);

        try (RawSipClient monitor = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ids.add("options-" + i);
                monitor.sendUdp(options(proxy, monitor.localPort(), "options-" + i));
            }
            // the bucket is empty now: the BYE and the CANCEL still go through
            Request bye = uac.inDialog(ok, answered, Request.BYE, 2);
            uac.sendInDialog(bye);
            ClientTransaction cancel = uac.cancel(ringingTx);
            for (int i = 20; i < 40; i++) {
                ids.add("options-" + i);
                monitor.sendUdp(options(proxy, monitor.localPort(), "options-" + i));
            }
            uac.awaitResponse(bye, 200);
            uas.awaitRequest(Request.BYE, FakeUserAgent.callId(answered));
            uac.awaitResponse(cancel.getRequest(), 200);
            uac.awaitResponse(ringing, 487);

            Map<String, String> finals = awaitFinals(monitor, ids);
            assertThat(withStatus(finals, 503)).as("the OPTIONS around them were over the cap").isNotEmpty();
            assertThat(runtime.counters().shedRequests.sum()).isEqualTo(withStatus(finals, 503).size());
        }
    }

    @Test
    void shedInviteGetsNoTryingAndTheAckOfIts503StaysWithSipFlow() throws Exception {
        // one SIP thread: requests are handled in arrival order, so once the OPTIONS sent after the
        // ACKs is answered, every ACK has been dealt with
        proxy = new SipFlowTestApp().with("sipflow.relay.next-hop", uas.uri()).with("sipflow.sip.overload.max-rate", "2")
                .with("sipflow.sip.thread-pool-size", "1").start();
        SipStackRuntime runtime = proxy.sipComponent().getRuntime();
        uas.answer(Request.INVITE, 486);
        try (RawSipClient caller = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            Map<String, String> sent = new LinkedHashMap<>();
            for (int i = 0; i < 20; i++) {
                sent.put("invite-" + i, invite(proxy, caller.localPort(), "invite-" + i));
            }
            for (String request : sent.values()) {
                caller.sendUdp(request);
            }
            List<String> received = new ArrayList<>();
            Map<String, String> finals = awaitFinals(caller, sent.keySet(), received);
            List<String> shed = withStatus(finals, 503);
            assertThat(shed).isNotEmpty();
            assertThat(withStatus(finals, 486)).hasSize(20 - shed.size());
            assertThat(received).noneMatch(m -> RawSipClient.statusCode(m) == 100 && shed.contains(callId(m)));

            long forwarded = runtime.counters().forwardedRequests.sum();
            for (String callId : shed) {
                caller.sendUdp(ack(sent.get(callId), finals.get(callId)));
            }
            await().atMost(FakeUserAgent.WAIT).until(() -> !proxy.sipComponent().getRuntime().overloadGuard().isShedding());
            caller.sendUdp(options(proxy, caller.localPort(), "after-acks"));
            assertThat(RawSipClient.statusCode(caller.receiveUdpMatching(m -> callId(m).equals("after-acks"), FakeUserAgent.WAIT)))
                    .isEqualTo(200);
            assertThat(runtime.counters().forwardedRequests.sum()).as("no ACK of a shed 503 was relayed").isEqualTo(forwarded);
            assertThat(shed).allSatisfy(id -> assertThat(uas.findRequest(Request.INVITE, id)).isNull());
            assertThat(shed).allSatisfy(id -> assertThat(uas.findRequest(Request.ACK, id)).isNull());
            for (String callId : withStatus(finals, 486)) {
                caller.sendUdp(ack(sent.get(callId), finals.get(callId)));
            }
        }
    }

    @Test
    void overTcpTheShed503GoesBackOnTheConnectionTheRequestCameIn() throws Exception {
        proxy = new SipFlowTestApp().with("sipflow.sip.overload.max-rate", "1").start();
        try (RawSipClient tcp = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                burst.append(RawSipClient.options(proxy.uri(), "TCP", 5999, "tcp-" + i));
            }
            tcp.sendTcp(burst.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            List<Integer> codes = new ArrayList<>();
            long deadline = System.nanoTime() + FakeUserAgent.WAIT.toNanos();
            while (codes.size() < 10 && System.nanoTime() < deadline) {
                codes.addAll(RawSipClient.statusCodes(tcp.receiveTcp(Duration.ofSeconds(1))));
            }
            assertThat(codes).hasSize(10).containsOnly(200, 503).contains(200, 503);
        }
    }

    @Test
    void congestedReceiveQueueIsDetectedAndItsRelayTimeoutsDoNotMarkThePbxDown() throws Exception {
        try (FakeUserAgent pbx = new FakeUserAgent("127.0.0.21").start()) {
            congestedReceiveQueueWith(pbx);
        }
    }

    private void congestedReceiveQueueWith(FakeUserAgent pbx) throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Processor blocker = exchange -> {
            held.countDown();
            release.await(30, TimeUnit.SECONDS);
        };
        pbx.silent(); // the tenant's PBX never answers: every relay to it times out (fr-timeout 1.5 s)
        proxy = new SipFlowTestApp()
                .with("sipflow.sip.thread-pool-size", "1")
                .with("sipflow.sip.overload.queue-delay-high", "100ms")
                .with("sipflow.sip.overload.queue-delay-low", "20ms")
                .with("sipflow.sip.overload.drop-after", "0ms") // what waits keeps waiting until the thread is let go
                .with("sipflow.dispatcher.failure-threshold", "1")
                .with("sipflow.relay.next-hop", uas.uri())
                .with("sipflow.routes.dir", Path.of("src/test/resources/blocking-routes").toAbsolutePath().toString())
                .bind("sipThreadBlocker", blocker)
                .tenant(DOMAIN, 1, pbx.uri())
                .start();
        OverloadGuard guard = proxy.sipComponent().getRuntime().overloadGuard();
        try (RawSipClient filler = new RawSipClient("127.0.0.1", "127.0.0.1", proxy.port())) {
            Request first = uac.newRequest(Request.REGISTER, "sip:" + DOMAIN, "sip:201@" + DOMAIN, "201");
            uac.send(first, proxy.uri());
            pbx.awaitRequest(Request.REGISTER, FakeUserAgent.callId(first));

            // the one SIP thread is held; what arrives now waits in the receive queue
            Request hold = uac.newRequest(Request.MESSAGE, "sip:hold@127.0.0.1", "sip:hold@127.0.0.1", "alice");
            uac.send(hold, proxy.uri());
            assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
            filler.sendUdp(options(proxy, filler.localPort(), "queued-1"));
            await().atMost(FakeUserAgent.WAIT).until(guard::isCongested);
            assertThat(guard.isShedding()).isTrue();

            // the first REGISTER times out meanwhile: SipFlow's own lag, not the PBX's fault
            uac.awaitResponse(first, 408);
            release.countDown();
            await().atMost(FakeUserAgent.WAIT).until(() -> !guard.isCongested());

            Request second = uac.newRequest(Request.REGISTER, "sip:" + DOMAIN, "sip:202@" + DOMAIN, "202");
            uac.send(second, proxy.uri());
            pbx.awaitRequest(Request.REGISTER, FakeUserAgent.callId(second));
            assertThat(uac.responses()).noneMatch(r -> FakeUserAgent.callId(r).equals(FakeUserAgent.callId(second))
                    && r.getStatusCode() == 503);
        } finally {
            release.countDown();
        }
    }

    @Test
    void badOverloadPropertiesFailStartupNamingTheKey() throws Exception {
        SipFlowTestApp inverted = new SipFlowTestApp().with("sipflow.sip.overload.queue-delay-low", "500ms");
        assertThatThrownBy(inverted::start)
                .satisfies(e -> assertThat(chain(e)).contains("sipflow.sip.overload.queue-delay-low"));
        inverted.close();
        SipFlowTestApp notANumber = new SipFlowTestApp().with("sipflow.sip.overload.max-rate", "lots");
        assertThatThrownBy(notANumber::start).satisfies(e -> assertThat(chain(e)).contains("sipflow.sip.overload.max-rate"));
        notANumber.close();
        SipFlowTestApp dropBeforeShedding = new SipFlowTestApp().with("sipflow.sip.overload.drop-after", "50ms");
        assertThatThrownBy(dropBeforeShedding::start)
                .satisfies(e -> assertThat(chain(e)).contains("sipflow.sip.overload.drop-after"));
        dropBeforeShedding.close();
    }

    // ---- helpers ----------------------------------------------------------------------------------

    /** Reads datagrams until every Call-ID has a final response; returns Call-ID -> that response. */
    private static Map<String, String> awaitFinals(RawSipClient client, Iterable<String> callIds) throws Exception {
        return awaitFinals(client, callIds, new ArrayList<>());
    }

    private static Map<String, String> awaitFinals(RawSipClient client, Iterable<String> callIds, List<String> everything)
            throws Exception {
        Map<String, String> finals = new LinkedHashMap<>();
        List<String> wanted = new ArrayList<>();
        callIds.forEach(wanted::add);
        client.receiveUdpMatching(m -> {
            everything.add(m);
            String id = callId(m);
            if (RawSipClient.statusCode(m) >= 200 && wanted.contains(id)) {
                finals.putIfAbsent(id, m);
            }
            return finals.size() == wanted.size();
        }, Duration.ofSeconds(20));
        assertThat(finals.keySet()).containsExactlyInAnyOrderElementsOf(wanted);
        return finals;
    }

    private static List<String> withStatus(Map<String, String> finals, int code) {
        return finals.entrySet().stream().filter(e -> RawSipClient.statusCode(e.getValue()) == code).map(Map.Entry::getKey)
                .toList();
    }

    private static String header(String message, String name) {
        for (String line : message.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static String callId(String message) {
        String id = header(message, "Call-ID");
        return id == null ? "" : id;
    }

    private static String register(SipFlowTestApp proxy, int localPort, String callId, int user) {
        return "REGISTER sip:" + DOMAIN + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + localPort + ";branch=z9hG4bK-" + callId + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:" + user + "@" + DOMAIN + ">;tag=f-" + callId + "\r\n"
                + "To: <sip:" + user + "@" + DOMAIN + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 REGISTER\r\n"
                + "Contact: <sip:" + user + "@127.0.0.1:" + localPort + ">\r\n"
                + "Expires: 300\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    private static String options(SipFlowTestApp proxy, int localPort, String callId) {
        return RawSipClient.options(proxy.uri(), "UDP", localPort, callId);
    }

    private static String invite(SipFlowTestApp proxy, int localPort, String callId) {
        return "INVITE sip:301@" + DOMAIN + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + localPort + ";branch=z9hG4bK-" + callId + ";rport\r\n"
                + "Route: <" + proxy.uri() + ";lr>\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:caller@127.0.0.1>;tag=f-" + callId + "\r\n"
                + "To: <sip:301@" + DOMAIN + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 INVITE\r\n"
                + "Contact: <sip:caller@127.0.0.1:" + localPort + ">\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    /** The hop-by-hop ACK for a non-2xx final (RFC 3261 §17.1.1.3): same branch, To with the answer's tag. */
    private static String ack(String invite, String finalResponse) {
        String requestLine = invite.substring(0, invite.indexOf("\r\n")).replace("INVITE ", "ACK ");
        return requestLine + "\r\n"
                + "Via: " + header(invite, "Via") + "\r\n"
                + "Route: " + header(invite, "Route") + "\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: " + header(invite, "From") + "\r\n"
                + "To: " + header(finalResponse, "To") + "\r\n"
                + "Call-ID: " + header(invite, "Call-ID") + "\r\n"
                + "CSeq: 1 ACK\r\n"
                + "Content-Length: 0\r\n\r\n";
    }

    private static String metrics(SipFlowTestApp proxy) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(proxy.managementBase() + "/observe/metrics"))
                .GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String chain(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t.getMessage()).append(" | ");
        }
        return sb.toString();
    }
}
