package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.FreePorts;
import io.sipflow.testsupport.RawSipClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sip.message.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code run} command in its own JVM, as an operator starts it: the listen address from an
 * environment variable, the next hop from a {@code -D} option; stops cleanly on SIGTERM.
 */
class MainProcessTest {

    @RegisterExtension
    final FakeUserAgent nextHop = new FakeUserAgent("127.0.0.1");

    @TempDir
    Path work;

    @Test
    void runCommandTakesEnvironmentAndCommandLineOverridesAndStopsOnSigterm() throws Exception {
        nextHop.answer(Request.MESSAGE, 200);
        int port = FreePorts.udpAndTcp("127.0.0.1");
        Path log = work.resolve("sipflow.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // no sipflow.db.url: the embedded MariaDB default, on a free port, in a folder under target/
        Path dbDir = Path.of("target", "main-process-test-db-" + port).toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                "io.sipflow.SipFlow", "run", "-Dsipflow.relay.next-hop=" + nextHop.uri(),
                "-Dsipflow.db.embedded-port=0", "-Dsipflow.db.embedded-dir=" + dbDir,
                "-Dsipflow.http.port=" + FreePorts.udpAndTcp("127.0.0.1"),
                // no sipflow.kafka.brokers: the embedded Kafka, on a free port, in a folder under target/
                "-Dsipflow.kafka.embedded-port=0", "-Dsipflow.kafka.embedded-dir=" + dbDir.resolveSibling(dbDir.getFileName() + "-kafka"),
                "-Dsipflow.events.spool-dir=" + dbDir.resolveSibling(dbDir.getFileName() + "-spool"),
                "-Dsipflow.management.port=" + FreePorts.udpAndTcp("127.0.0.1")));
        pb.environment().put("SIPFLOW_SIP_LISTEN", "udp:127.0.0.1:" + port + ",tcp:127.0.0.1:" + port);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = pb.start();
        try (RawSipClient client = new RawSipClient("127.0.0.1", "127.0.0.1", port)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                client.sendUdp(request("OPTIONS", "sip:127.0.0.1:" + port, "main-options", client.localPort()));
                String reply = client.receiveUdp(Duration.ofMillis(300));
                return reply != null && reply.startsWith("SIP/2.0 200");
            });
            client.sendUdp(request("MESSAGE", "sip:201@tenant-a.example", "main-message", client.localPort()));
            String relayed = client.receiveUdpMatching(m -> m.contains("main-message"), FakeUserAgent.WAIT);
            assertThat(relayed).as(Files.readString(log)).startsWith("SIP/2.0 200");
            nextHop.awaitRequest(Request.MESSAGE, "main-message@127.0.0.1");
        } finally {
            process.destroy();
            boolean exited = process.waitFor(30, TimeUnit.SECONDS);
            if (!exited) {
                process.destroyForcibly();
            }
            assertThat(exited).as("SipFlow stops on SIGTERM").isTrue();
        }
        assertThat(Files.readString(log)).contains("SIP listening on udp:127.0.0.1:" + port).contains("SIP stack stopped")
                .contains("embedded MariaDB").contains("3 domain(s)")
                .contains("No sipflow.kafka.brokers configured: events go to the embedded Kafka");
    }

    private static String request(String method, String uri, String callId, int localPort) {
        return method + " " + uri + " SIP/2.0\r\n"
                + "Via: SIP/2.0/UDP 127.0.0.1:" + localPort + ";branch=z9hG4bK-" + callId + System.nanoTime() + ";rport\r\n"
                + "Max-Forwards: 70\r\n"
                + "From: <sip:ops@127.0.0.1>;tag=m1\r\n"
                + "To: <" + uri + ">\r\n"
                + "Call-ID: " + callId + "@127.0.0.1\r\n"
                + "CSeq: 1 " + method + "\r\n"
                + "Content-Length: 0\r\n\r\n";
    }
}
