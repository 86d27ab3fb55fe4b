package io.sipflow.component.sip;

import io.sipflow.component.sip.proxy.ProxyCore;
import io.sipflow.component.sip.proxy.ServerTransactionContext;

import java.util.Map;
import javax.sip.message.Response;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultProducer;

/**
 * {@code sip:reply?code=404&reason=Not+Found}: answers the current request on its server transaction
 * (OpenSIPS {@code t_reply()}). Without a code, after a relay, it forwards the final response
 * received now instead of at the end of the route.
 */
public class SipReplyProducer extends DefaultProducer {

    public SipReplyProducer(SipEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public SipEndpoint getEndpoint() {
        return (SipEndpoint) super.getEndpoint();
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        ServerTransactionContext ctx = exchange.getProperty(SipConstants.PROPERTY_TRANSACTION, ServerTransactionContext.class);
        if (ctx == null) {
            throw new IllegalStateException("sip:reply needs a request received by sip:initial or sip:in-dialog");
        }
        if (ctx.isStateless()) {
            return; // ACK is never answered
        }
        ProxyCore core = getEndpoint().getComponent().core();
        var message = exchange.getMessage();
        Integer code = message.getHeader(SipConstants.REPLY_CODE, Integer.class);
        if (code == null || code == 0) {
            code = getEndpoint().getCode();
        }
        if (code == 0) {
            Response received = ctx.lastFinalResponse();
            if (received == null) {
                throw new IllegalStateException("sip:reply without code and no relayed response to forward");
            }
            core.forwardUpstream(ctx, received);
            return;
        }
        String reason = message.getHeader(SipConstants.REPLY_REASON, String.class);
        if (reason == null) {
            reason = getEndpoint().getReason();
        }
        Response response = core.createResponse(ctx, code, reason);
        SipHeaders.add(response, getEndpoint().extraHeaders(), core);
        SipHeaders.add(response, SipHeaders.fromHeader(message.getHeader(SipConstants.EXTRA_HEADERS)), core);
        core.send(ctx, response);
        if (code >= 200) {
            message.setHeader(SipConstants.STATUS_CODE, code);
            message.setHeader(SipConstants.REASON_PHRASE, response.getReasonPhrase());
        }
    }
}
