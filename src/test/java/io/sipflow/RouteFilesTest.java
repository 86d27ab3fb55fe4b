package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.SipFlowTestApp;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import javax.sip.header.Header;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Operators' route files: the external folder overrides and adds, reloads live, and bad input fails startup clearly. */
class RouteFilesTest {

    @RegisterExtension
    final FakeUserAgent uac = new FakeUserAgent("127.0.0.1");

    @TempDir
    Path routesDir;

    @Test
    void brokenRouteFileFailsStartupNamingTheFile() throws Exception {
        Files.writeString(routesDir.resolve("broken.camel.yaml"), "- route:\n    from:\n      uri: direct:x\n      steps:\n        - to: [unclosed\n");
        SipFlowTestApp app = new SipFlowTestApp().with("sipflow.routes.dir", routesDir.toString());
        assertThatThrownBy(app::start).satisfies(e -> assertThat(chain(e)).contains("broken.camel.yaml"));
        app.close();
    }

    @Test
    void misspelledSipEndpointOptionFailsStartupNamingTheUri() throws Exception {
        Files.writeString(routesDir.resolve("typo.camel.yaml"),
                "- route:\n    from:\n      uri: direct:typo\n      steps:\n        - to: sip:relay?recordRout=true\n");
        SipFlowTestApp app = new SipFlowTestApp().with("sipflow.routes.dir", routesDir.toString());
        assertThatThrownBy(app::start).satisfies(e -> assertThat(chain(e)).contains("recordRout"));
        app.close();
    }

    @Test
    void badListenPropertyFailsStartupNamingTheKey() throws Exception {
        SipFlowTestApp app = new SipFlowTestApp().with("sipflow.sip.listen", "udp:127.0.0.1:notaport");
        assertThatThrownBy(app::start).satisfies(e -> assertThat(chain(e)).contains("sipflow.sip.listen"));
        app.close();
    }

    @Test
    void badTimerPropertyFailsStartupNamingTheKey() throws Exception {
        SipFlowTestApp app = new SipFlowTestApp().with("sipflow.sip.fr-timeout", "soon");
        assertThatThrownBy(app::start).satisfies(e -> assertThat(chain(e)).contains("sipflow.sip.fr-timeout"));
        app.close();
    }

    @Test
    void badSpoolLingerFailsStartupNamingTheKey() throws Exception {
        SipFlowTestApp app = new SipFlowTestApp().with("sipflow.events.spool-linger", "2s");
        assertThatThrownBy(app::start).satisfies(e -> assertThat(chain(e)).contains("sipflow.events.spool-linger"));
        app.close();
    }

    @Test
    void xmlRouteFileReplacesTheBuiltInBlockAndIsReloadedOnChange() throws Exception {
        Path file = routesDir.resolve("request.camel.xml");
        Files.writeString(file, xmlRequestRoute("xml-1"), StandardCharsets.UTF_8);
        try (SipFlowTestApp proxy = new SipFlowTestApp().with("sipflow.routes.dir", routesDir.toString()).start()) {
            assertThat(variantAnsweringOptions(proxy)).isEqualTo("xml-1");

            // written aside and moved into place, as editors and deployment tools do: the watcher never
            // sees a half-written file
            Path staged = routesDir.resolve("request.camel.xml.tmp");
            Files.writeString(staged, xmlRequestRoute("xml-2"), StandardCharsets.UTF_8);
            Files.move(staged, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            AtomicReference<String> variant = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(300)).until(() -> {
                variant.set(variantAnsweringOptions(proxy));
                return "xml-2".equals(variant.get());
            });
        }
    }

    private String variantAnsweringOptions(SipFlowTestApp proxy) throws Exception {
        Request options = uac.newRequest(Request.OPTIONS, proxy.uri(), proxy.uri(), "ops");
        uac.send(options, proxy.uri());
        Response ok = uac.awaitResponse(options, 200);
        Header h = ok.getHeader("X-Route-Variant");
        return h == null ? null : h.toString().substring(h.toString().indexOf(':') + 1).trim();
    }

    private static String xmlRequestRoute(String variant) {
        return """
                <routes xmlns="http://camel.apache.org/schema/xml-io">
                  <!-- request block in XML DSL: same flow as request.camel.yaml, tagged for the test -->
                  <route id="request">
                    <from uri="sip:initial"/>
                    <choice>
                      <when>
                        <simple>${header.CamelSipMethod} == 'OPTIONS' &amp;&amp; ${header.CamelSipRequestUriIsLocal} == true</simple>
                        <to uri="sip:reply?code=200&amp;headers=X-Route-Variant: %s"/>
                      </when>
                      <otherwise>
                        <to uri="direct:relay"/>
                      </otherwise>
                    </choice>
                  </route>
                </routes>
                """.formatted(variant);
    }

    private static String chain(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            sb.append(t).append('\n');
        }
        return sb.toString();
    }
}
