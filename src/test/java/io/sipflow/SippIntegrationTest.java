package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipflow.module.location.LocationBean;
import io.sipflow.testsupport.FakeAsterisk;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.FreePorts;
import io.sipflow.testsupport.Registrations;
import io.sipflow.testsupport.Sipp;
import io.sipflow.testsupport.SipFlowTestApp;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SipFlow between two SIPp instances, a real and independent SIP implementation: SIPp UAC on
 * 127.0.0.1 -> SipFlow -> SIPp UAS. Skipped, with a printed notice, when SIPp is not installed
 * ({@code .ci/run} installs it).
 */
@Tag("sipp")
class SippIntegrationTest {

    private static final String HOST = "127.0.0.1";
    private static final Duration RUN_LIMIT = Duration.ofSeconds(30);

    private SipFlowTestApp proxy;

    @BeforeEach
    void requireSipp() {
        Sipp.assumeAvailable();
    }

    @AfterEach
    void stopProxy() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    private void startProxy(String nextHop) throws Exception {
        proxy = new SipFlowTestApp(HOST).with("sipflow.relay.next-hop", nextHop).start();
    }

    @Test
    void callThroughTheProxyCompletesInviteRingingAnswerAckBye() throws Exception {
        runPair("uac-call", "uas-call");
    }

    @Test
    void registerIsRelayedAnsweredAndSaved() throws Exception {
        // the scenario's AoR domain is the proxy address: a tenant whose PBX is the SIPp UAS
        int uasPort = FreePorts.udpAndTcp(HOST);
        String uas = "sip:" + HOST + ":" + uasPort;
        proxy = new SipFlowTestApp(HOST).with("sipflow.relay.next-hop", uas).tenant(HOST, 1, uas).start();
        runPair("uac-register", "uas-register", uasPort);
        LocationBean location = proxy.application().context().getRegistry().lookupByNameAndType("location", LocationBean.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> !location.store().lookup("201", HOST).isEmpty());
    }

    @Test
    void cancelBeforeAnswerYields487() throws Exception {
        runPair("uac-cancel", "uas-cancel");
    }

    @Test
    void silentNextHopYields408() throws Exception {
        int silentPort = FreePorts.udpAndTcp(HOST);
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(HOST), silentPort))) {
            startProxy("sip:" + HOST + ":" + silentPort);
            Sipp.Result uac = runUac("uac-expect-408");
            assertThat(uac.exitCode()).as(uac.output()).isZero();
            assertThat(silent.isBound()).isTrue();
        }
    }

    @Test
    void unreachableNextHopYields503() throws Exception {
        int closedPort = FreePorts.udpAndTcp(HOST);
        startProxy("sip:" + HOST + ":" + closedPort + ";transport=tcp");
        Sipp.Result uac = runUac("uac-expect-503");
        assertThat(uac.exitCode()).as(uac.output()).isZero();
    }

    @Test
    void aSippEndpointRegistersThroughSipFlowAndCallsItsTenantsPbx() throws Exception {
        try (FakeAsterisk pbx = new FakeAsterisk("127.0.0.81").start().user("201", "pw")) {
            pbx.agent().answer("INVITE", 180, 200).answer("BYE", 200);
            proxy = new SipFlowTestApp(HOST).tenant("tenant-s.example", 31, pbx.uri()).start();
            int port = FreePorts.udpAndTcp("127.0.0.83");
            try (Sipp.Running endpoint = Sipp.scenario("endpoint-register-call").localIp("127.0.0.83").localPort(port)
                    .target(HOST, proxy.port()).service("201").calls(1).timeout(RUN_LIMIT)
                    .extraArgs("-key", "domain", "tenant-s.example", "-au", "201", "-ap", "pw").start()) {
                Sipp.Result result = endpoint.awaitExit(RUN_LIMIT.plusSeconds(5));
                assertThat(result.exitCode()).as(result.output()).isZero();
            }
            assertThat(pbx.agent().findRequest("INVITE", null)).isNotNull();
            assertThat(pbx.agent().findRequest("BYE", null)).isNotNull();
        }
    }

    @Test
    void aSippPbxCallsAnEndpointRegisteredThroughSipFlow() throws Exception {
        try (FakeAsterisk pbx = new FakeAsterisk("127.0.0.84").start().user("201", "pw");
                FakeUserAgent phone = new FakeUserAgent("127.0.0.85").start()) {
            phone.answer("INVITE", 180, 200).answer("BYE", 200);
            proxy = new SipFlowTestApp(HOST).tenant("tenant-p.example", 32, pbx.uri()).start();
            assertThat(Registrations.register(phone, proxy.uri(), 201, "tenant-p.example", 300, "pw").getStatusCode())
                    .isEqualTo(200);
            // SIPp sends from the PBX's address: source IP -> set 32 -> tenant-p.example -> 201
            int port = FreePorts.udpAndTcp("127.0.0.84");
            try (Sipp.Running asterisk = Sipp.scenario("uac-call").localIp("127.0.0.84").localPort(port)
                    .target(HOST, proxy.port()).service("201").calls(1).timeout(RUN_LIMIT).start()) {
                Sipp.Result result = asterisk.awaitExit(RUN_LIMIT.plusSeconds(5));
                assertThat(result.exitCode()).as(result.output()).isZero();
            }
            assertThat(phone.findRequest("INVITE", null)).isNotNull();
            assertThat(phone.findRequest("BYE", null)).isNotNull();
        }
    }

    private void runPair(String uacScenario, String uasScenario) throws Exception {
        int uasPort = FreePorts.udpAndTcp(HOST);
        startProxy("sip:" + HOST + ":" + uasPort);
        runPair(uacScenario, uasScenario, uasPort);
    }

    private void runPair(String uacScenario, String uasScenario, int uasPort) throws Exception {
        try (Sipp.Running uas = Sipp.scenario(uasScenario).localIp(HOST).localPort(uasPort).calls(1)
                .timeout(RUN_LIMIT).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> udpPortBound(uasPort));
            Sipp.Result uac = runUac(uacScenario);
            Sipp.Result uasResult = uas.awaitExit(RUN_LIMIT);
            assertThat(uac.exitCode()).as("UAC %s:%n%s", uacScenario, uac.output()).isZero();
            assertThat(uasResult.exitCode()).as("UAS %s:%n%s", uasScenario, uasResult.output()).isZero();
        }
    }

    private Sipp.Result runUac(String scenario) {
        int uacPort = FreePorts.udpAndTcp(HOST);
        try (Sipp.Running uac = Sipp.scenario(scenario).localIp(HOST).localPort(uacPort).target(HOST, proxy.port())
                .service("201").calls(1).timeout(RUN_LIMIT).start()) {
            return uac.awaitExit(RUN_LIMIT.plusSeconds(5));
        }
    }

    /** True once some process has bound this UDP port (read from the kernel's table, no probing bind). */
    private static boolean udpPortBound(int port) throws IOException {
        String hex = String.format(Locale.ROOT, ":%04X ", port);
        for (String table : new String[] {"/proc/net/udp", "/proc/net/udp6"}) {
            Path path = Path.of(table);
            if (Files.exists(path) && Files.readString(path).contains(hex)) {
                return true;
            }
        }
        return false;
    }
}
