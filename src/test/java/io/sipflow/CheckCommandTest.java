package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipflow.testsupport.SipFlowTestApp;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sipflow check}: starts with the configuration, reports, stops; a bad route file fails naming it. */
class CheckCommandTest {

    @TempDir
    Path routesDir;

    @Test
    void aGoodConfigurationStartsReportsAndStopsAgain() throws Exception {
        SipFlowTestApp config = new SipFlowTestApp();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = check(config, out, err);

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("SipFlow configuration OK").contains("route(s) started")
                .contains("request").contains(config.property("sipflow.sip.listen"));
        // it stopped: its SIP port can be bound again
        try (DatagramSocket socket = new DatagramSocket(null)) {
            socket.bind(new InetSocketAddress("127.0.0.1", config.port()));
            assertThat(socket.isBound()).isTrue();
        }
    }

    @Test
    void aBrokenRouteFileFailsNamingTheFile() throws Exception {
        Files.writeString(routesDir.resolve("broken.camel.yaml"), "- route:\n    from:\n      uri: direct:x\n      steps:\n        - to: [unclosed\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = check(new SipFlowTestApp(), out, err, "--routes-dir", routesDir.toString());

        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("broken.camel.yaml");
        assertThat(out.toString()).doesNotContain("configuration OK");
    }

    private static int check(SipFlowTestApp config, StringWriter out, StringWriter err, String... options) {
        List<String> args = new ArrayList<>(List.of("check"));
        args.addAll(List.of(options));
        for (Map.Entry<String, String> p : config.properties().entrySet()) {
            args.add("-D" + p.getKey() + "=" + p.getValue());
        }
        CommandLine cli = new CommandLine(new SipFlow());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args.toArray(String[]::new));
    }
}
