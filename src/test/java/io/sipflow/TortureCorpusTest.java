package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.RawSipClient;
import io.sipflow.testsupport.SipFlowTestApp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.sip.RequestEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The RFC 4475 / RFC 5118 torture corpus against the real application, over UDP and TCP. After
 * every message SipFlow must still answer OPTIONS and relay; a message the RFC calls invalid (or
 * whose rules say so) is never answered 2xx and never forwarded; responses are never answered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TortureCorpusTest {

    private static final Pattern CALL_ID = Pattern.compile("(?im)^(?:call-id|i)[ \\t]*:[ \\t]*(\\S+)");
    private static final String CLIENT_HOST = "127.0.0.3";
    private static final Duration REPLY_WAIT = Duration.ofSeconds(5);

    private final FakeUserAgent nextHop = new FakeUserAgent("127.0.0.1");
    private SipFlowTestApp proxy;
    private int sentinel;

    record Case(String name, Path file, String rfcClass, String kind, Set<String> rules, String expect, boolean tcp,
            String trailingCallId) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Path corpus() {
        String dir = System.getProperty("sipflow.torture.dir", "../shared/testdata/sip-torture");
        return Path.of(dir);
    }

    static Stream<Case> cases() throws IOException {
        Path root = corpus();
        if (!Files.isDirectory(root)) {
            System.out.println("SKIPPED: torture corpus not found at " + root.toAbsolutePath()
                    + " (clone with shared/ beside the repository); TortureCorpusTest skipped");
            Assumptions.abort("torture corpus missing");
        }
        List<Case> cases = new ArrayList<>();
        for (String set : List.of("rfc4475", "rfc5118")) {
            List<String> lines = Files.readAllLines(root.resolve(set).resolve("MANIFEST.tsv"), StandardCharsets.UTF_8);
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split("\t");
                if (f.length < 9 || "extra".equals(f[4])) {
                    continue; // the appendix's undocumented extra file is not part of the RFC's tests
                }
                Set<String> rules = "-".equals(f[6]) ? Set.of()
                        : Stream.of(f[6].split(",")).filter(r -> !r.startsWith("trailing=")).collect(Collectors.toSet());
                String trailing = Stream.of(f[6].split(",")).filter(r -> r.startsWith("trailing="))
                        .map(r -> r.substring("trailing=".length())).findFirst().orElse(null);
                cases.add(new Case(set + "/" + f[0], root.resolve(set).resolve(f[1]), f[4], f[5], rules, f[7],
                        "yes".equals(f[8]), trailing));
            }
        }
        return cases.stream();
    }

    static Stream<Case> tcpCases() throws IOException {
        return cases().filter(Case::tcp);
    }

    @BeforeAll
    void start() throws Exception {
        nextHop.start();
        for (String method : List.of("INVITE", "REGISTER", "MESSAGE", "OPTIONS", "BYE", "SUBSCRIBE", "NOTIFY")) {
            nextHop.answer(method, 200);
        }
        // in-dialog requests of the corpus name example hosts in their R-URI: the test's own
        // withindlg route sends them to the next hop too, so every packet stays on loopback
        proxy = new SipFlowTestApp().with("sipflow.relay.next-hop", nextHop.uri())
                .with("sipflow.routes.dir", Path.of("src/test/resources/loopback-routes").toAbsolutePath().toString())
                .start();
    }

    @AfterAll
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        nextHop.close();
    }

    @ParameterizedTest(name = "UDP {0}")
    @MethodSource("cases")
    void overUdp(Case c) throws Exception {
        byte[] bytes = Files.readAllBytes(c.file());
        try (RawSipClient client = client()) {
            int before = nextHop.requests().size();
            client.sendUdp(bytes);
            List<String> received = new ArrayList<>();
            proveAlive(client, received);
            check(c, bytes, received, before);
        }
    }

    @ParameterizedTest(name = "TCP {0}")
    @MethodSource("tcpCases")
    void overTcp(Case c) throws Exception {
        byte[] bytes = Files.readAllBytes(c.file());
        try (RawSipClient client = client()) {
            int before = nextHop.requests().size();
            client.sendTcp(bytes);
            List<String> received = new ArrayList<>();
            String tcpText = client.receiveTcp(Duration.ofSeconds(1));
            proveAlive(client, received);
            if (tcpText != null) {
                received.add(tcpText);
            }
            check(c, bytes, received, before);
        }
    }

    /**
     * Responses to the corpus' requests go to the source address and the Via's sent-by port,
     * 5060 for almost all of them: the client listens there, on its own loopback address.
     */
    private RawSipClient client() throws IOException {
        try {
            return new RawSipClient(CLIENT_HOST, 5060, proxy.host(), proxy.port());
        } catch (java.net.BindException e) {
            System.out.println("NOTICE: " + CLIENT_HOST + ":5060 busy; torture replies to sent-by ports are not observed");
            return new RawSipClient(CLIENT_HOST, proxy.host(), proxy.port());
        }
    }

    /**
     * SipFlow still answers OPTIONS itself and still relays a MESSAGE to the next hop. Everything
     * the client socket receives meanwhile is collected for the checks.
     */
    private void proveAlive(RawSipClient client, List<String> received) throws IOException {
        String optionsCallId = "alive-options-" + (++sentinel) + "@sipflow.test";
        client.sendUdp(sentinelRequest("OPTIONS", proxy.uri(), optionsCallId, client.localPort()));
        String ok = client.receiveUdpMatching(m -> {
            if (m.contains(optionsCallId)) {
                return true;
            }
            received.add(m);
            return false;
        }, REPLY_WAIT);
        assertThat(ok).as("SipFlow answers OPTIONS after the torture message").startsWith("SIP/2.0 200");

        String messageCallId = "alive-message-" + sentinel + "@sipflow.test";
        client.sendUdp(sentinelRequest("MESSAGE", "sip:sentinel@example.test", messageCallId, client.localPort()));
        String relayed = client.receiveUdpMatching(m -> {
            if (m.contains(messageCallId)) {
                return true;
            }
            received.add(m);
            return false;
        }, REPLY_WAIT);
        assertThat(relayed).as("SipFlow still relays after the torture message").startsWith("SIP/2.0 200");
    }

    private void check(Case c, byte[] bytes, List<String> received, int requestsBefore) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        String callId = callId(text);
        List<String> replies = received.stream().filter(m -> callId == null || m.contains(callId)).toList();
        List<Integer> codes = replies.stream().flatMap(m -> RawSipClient.statusCodes(m).stream()).toList();
        // rfc5118 messages share Call-IDs: count only what arrived since this message was sent
        List<RequestEvent> forwarded = nextHop.requests().subList(requestsBefore, nextHop.requests().size()).stream()
                .filter(e -> !FakeUserAgent.callId(e.getRequest()).startsWith("alive-"))
                .filter(e -> callId == null || callId.equals(FakeUserAgent.callId(e.getRequest()))).toList();
        boolean invalid = "invalid".equals(c.rfcClass());
        System.out.printf("torture %-40s class=%-8s expect=%-14s replies=%s forwarded=%d%n", c.name(), c.rfcClass(),
                c.expect(), codes, forwarded.size());

        if (invalid || c.rules().contains("no2xx") || c.rules().contains("noreply")) {
            assertThat(codes).as("%s must never be answered 2xx", c.name()).noneMatch(code -> code >= 200 && code < 300);
        }
        if (invalid || c.rules().contains("nofwd")) {
            assertThat(forwarded).as("%s must not be forwarded", c.name()).isEmpty();
        }
        if (c.rules().contains("noreply")) {
            assertThat(codes).as("%s is a response and is never answered", c.name()).isEmpty();
        }
        List<Integer> finals = codes.stream().filter(code -> code >= 200).toList();
        if (!finals.isEmpty() && c.expect().matches("[0-9|]+")) {
            // where the RFC names the answer and one was observed, it is one of those
            Set<Integer> allowed = Stream.of(c.expect().split("\\|")).map(Integer::valueOf).collect(Collectors.toSet());
            assertThat(finals).as("%s answered with one of %s", c.name(), allowed).allMatch(allowed::contains);
        }
        if (c.trailingCallId() != null) {
            assertThat(forwarded).as("the trailing octets of %s are ignored", c.name())
                    .noneMatch(e -> c.trailingCallId().equals(FakeUserAgent.callId(e.getRequest())));
        }
    }

    private static String callId(String message) {
        Matcher m = CALL_ID.matcher(message);
        return m.find() ? m.group(1) : null;
    }

    private static String sentinelRequest(String method, String requestUri, String callId, int localPort) {
        return method + " " + requestUri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP " + CLIENT_HOST + ":" + localPort + ";branch=z9hG4bK-" + callId.hashCode() + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:prober@example.test>;tag=p" + Math.abs(callId.hashCode()) + "\r\n"
                + "To: <" + requestUri + ">\r\n"
                + "Call-ID: " + callId + "\r\n"
                + "CSeq: 1 " + method + "\r\n"
                + "Content-Length: 0\r\n\r\n";
    }
}
