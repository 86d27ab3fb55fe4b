package io.sipflow.component.sip;

import io.sipflow.component.sip.proxy.ServerTransactionContext;
import io.sipflow.component.sip.proxy.SipEventDispatcher;

import javax.sip.message.Response;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Turns each received request into one exchange: body = the JAIN-SIP request, {@code CamelSip*}
 * headers, transaction context as a property. When the route ends and nothing answered the
 * request, the consumer sends the last final response a relay received (the OpenSIPS {@code tm}
 * behaviour after {@code onreply_route}/{@code failure_route}), or 500 if there is none.
 */
public class SipConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(SipConsumer.class);

    public SipConsumer(SipEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
    }

    @Override
    public SipEndpoint getEndpoint() {
        return (SipEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        getEndpoint().getComponent().register(getEndpoint().kind(), this);
    }

    @Override
    protected void doStop() throws Exception {
        getEndpoint().getComponent().unregister(getEndpoint().kind(), this);
        super.doStop();
    }

    void dispatch(ServerTransactionContext ctx) {
        Exchange exchange = createExchange(false);
        exchange.setProperty(SipConstants.PROPERTY_TRANSACTION, ctx);
        exchange.setProperty(SipConstants.PROPERTY_REQUEST, ctx.request());
        exchange.getIn().setBody(ctx.request());
        SipHeaderMapper.mapRequest(exchange.getIn(), ctx, getEndpoint().getComponent().core().runtime().localAddresses());
        getAsyncProcessor().process(exchange, doneSync -> {
            try {
                finish(exchange, ctx);
            } finally {
                releaseExchange(exchange, false);
            }
        });
    }

    private void finish(Exchange exchange, ServerTransactionContext ctx) {
        if (ctx.isStateless() || ctx.isFinalResponseSent()) {
            return;
        }
        String callId = exchange.getIn().getHeader(SipConstants.CALL_ID, String.class);
        if (callId != null) {
            MDC.put(SipEventDispatcher.MDC_CALL_ID, callId);
        }
        try {
            var core = getEndpoint().getComponent().core();
            if (exchange.getException() != null) {
                LOG.error("Route {} failed on {}: {}", getRouteId(), ctx.method(), exchange.getException().toString(), exchange.getException());
                core.reply(ctx, SipProtocolConstants.SERVER_INTERNAL_ERROR, "Server Internal Error");
                return;
            }
            Response last = ctx.lastFinalResponse();
            if (last != null) {
                core.forwardUpstream(ctx, last);
                return;
            }
            LOG.warn("Route {} ended without answering {}: 500", getRouteId(), ctx.method());
            core.reply(ctx, SipProtocolConstants.SERVER_INTERNAL_ERROR, "No Reply From Route");
        } finally {
            MDC.remove(SipEventDispatcher.MDC_CALL_ID);
        }
    }
}
