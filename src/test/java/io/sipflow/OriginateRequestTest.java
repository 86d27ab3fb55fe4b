package io.sipflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipflow.component.sip.SipConstants;
import io.sipflow.testsupport.FakeUserAgent;
import io.sipflow.testsupport.SipFlowTestApp;

import java.nio.file.Path;
import java.util.Map;
import javax.sip.RequestEvent;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code sip:request}: SipFlow originates a request and the route continues with its final response. */
class OriginateRequestTest {

    @RegisterExtension
    final FakeUserAgent target = new FakeUserAgent("127.0.0.1");

    private SipFlowTestApp start() throws Exception {
        return new SipFlowTestApp()
                .with("sipflow.routes.dir", Path.of("src/test/resources/originate-routes").toAbsolutePath().toString())
                .start();
    }

    @Test
    void originatedOptionsComesBackWithTheFinalResponse() throws Exception {
        target.answer(Request.OPTIONS, 200);
        try (SipFlowTestApp proxy = start()) {
            ProducerTemplate template = proxy.application().context().createProducerTemplate();
            Exchange result = template.request("direct:probe", e -> e.getMessage().setHeaders(Map.of(
                    SipConstants.REQUEST_URI, target.uri(),
                    SipConstants.ORIGINATE_FROM, "sip:prober@sipflow.test")));

            assertThat(result.getException()).isNull();
            assertThat(result.getMessage().getHeader(SipConstants.STATUS_CODE)).isEqualTo(200);
            assertThat(result.getMessage().getHeader(SipConstants.OUTCOME)).isEqualTo("response");
            assertThat(result.getMessage().getBody()).isInstanceOf(Response.class);
            RequestEvent received = target.awaitRequest(Request.OPTIONS, null);
            assertThat(received.getRequest().getHeader("X-Probe").toString()).contains("sipflow");
            assertThat(received.getRequest().getHeader("From").toString()).contains("prober@sipflow.test");
        }
    }

    @Test
    void originatedRequestToASilentTargetEndsWith408Timeout() throws Exception {
        target.silent();
        try (SipFlowTestApp proxy = start()) {
            ProducerTemplate template = proxy.application().context().createProducerTemplate();
            Exchange result = template.request("direct:probe",
                    e -> e.getMessage().setHeader(SipConstants.REQUEST_URI, target.uri()));

            assertThat(result.getMessage().getHeader(SipConstants.STATUS_CODE)).isEqualTo(408);
            assertThat(result.getMessage().getHeader(SipConstants.OUTCOME)).isEqualTo("timeout");
        }
    }
}
