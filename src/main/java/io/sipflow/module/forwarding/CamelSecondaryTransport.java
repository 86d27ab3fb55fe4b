package io.sipflow.module.forwarding;

import io.sipflow.component.sip.SipConstants;

import java.util.function.Consumer;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.support.service.ServiceHelper;

/**
 * Sends the forwarding module's REGISTERs through a route ({@code direct:secondary-register} in
 * {@code forwarding.camel.yaml}, which ends in {@code sip:request}), so an operator sees and can
 * extend what leaves SipFlow. Asynchronous end to end: the caller never waits for the answer.
 */
public final class CamelSecondaryTransport implements SecondaryTransport {

    private final CamelContext context;
    private final String endpointUri;
    private volatile AsyncProducer producer;

    public CamelSecondaryTransport(CamelContext context, String endpointUri) {
        this.context = context;
        this.endpointUri = endpointUri;
    }

    @Override
    public void send(Request request, String destination, Consumer<SecondaryReply> onReply) {
        Exchange exchange;
        AsyncProducer p;
        try {
            p = producer();
            exchange = p.getEndpoint().createExchange();
        } catch (Exception e) {
            onReply.accept(new SecondaryReply(503, "route " + endpointUri + " unavailable: " + e.getMessage(), null));
            return;
        }
        exchange.getMessage().setBody(request);
        exchange.getMessage().setHeader(SipConstants.DESTINATION_URI, destination);
        p.process(exchange, doneSync -> onReply.accept(reply(exchange)));
    }

    private static SecondaryReply reply(Exchange exchange) {
        if (exchange.getException() != null) {
            return new SecondaryReply(500, "not sent: " + exchange.getException().getMessage(), null);
        }
        Object body = exchange.getMessage().getBody();
        Integer code = exchange.getMessage().getHeader(SipConstants.STATUS_CODE, Integer.class);
        String reason = exchange.getMessage().getHeader(SipConstants.REASON_PHRASE, String.class);
        if (body instanceof Response response) {
            return new SecondaryReply(response.getStatusCode(), response.getReasonPhrase(), response);
        }
        return new SecondaryReply(code == null ? 500 : code, reason == null ? "no final response" : reason, null);
    }

    private AsyncProducer producer() throws Exception {
        AsyncProducer p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    Endpoint endpoint = context.getEndpoint(endpointUri);
                    AsyncProducer created = endpoint.createAsyncProducer();
                    ServiceHelper.startService(created);
                    producer = created;
                }
                p = producer;
            }
        }
        return p;
    }
}
