package io.sipflow.component.sip;

import io.sipflow.component.sip.proxy.ServerTransactionContext;
import io.sipflow.component.sip.proxy.SipEventDispatcher;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import javax.sip.message.Response;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.DefaultConsumer;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * {@code sip:late-answer}: one exchange per 2xx to an INVITE that went upstream after SipFlow's relay
 * of it had ended (RFC 3261 §16.7 step 5), e.g. a callee answering just after SipFlow's own
 * {@code fr-timeout} 408. The exchange carries the INVITE's headers and the 2xx's, as the
 * {@code sip:relay} continuation does (body = the response, {@code CamelSipStatusCode},
 * {@code CamelSipToTag}, {@code CamelSipResponseSourceIp}, ...), but no transaction: nothing can be
 * answered from it. Its created time is when the 2xx went upstream.
 *
 * <p>The SIP thread only builds the exchange and queues it; the route runs on one thread of its own,
 * in arrival order. A full queue drops the answer (logged), and a failing route is logged: neither
 * touches SIP processing. Retransmissions of a late 2xx may arrive as exchanges of their own.
 */
final class SipLateAnswerConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(SipLateAnswerConsumer.class);
    /** Late answers waiting for the route; they are rare, a full queue means the route is stuck. */
    private static final int QUEUE_CAPACITY = 10_000;

    private ExecutorService executor;

    SipLateAnswerConsumer(SipEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
    }

    @Override
    public SipEndpoint getEndpoint() {
        return (SipEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        ThreadPoolProfile profile = new ThreadPoolProfile("sip-late-answer");
        profile.setPoolSize(1);
        profile.setMaxPoolSize(1);
        profile.setMaxQueueSize(QUEUE_CAPACITY);
        profile.setRejectedPolicy(ThreadPoolRejectedPolicy.Abort);
        executor = getEndpoint().getCamelContext().getExecutorServiceManager().newThreadPool(this, "sip-late-answer", profile);
        getEndpoint().getComponent().register(SipEndpointKind.LATE_ANSWER, this);
    }

    @Override
    protected void doStop() throws Exception {
        getEndpoint().getComponent().unregister(SipEndpointKind.LATE_ANSWER, this);
        if (executor != null) {
            // the answers already queued still reach the route
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdownGraceful(executor);
            executor = null;
        }
        super.doStop();
    }

    /** Called on a SIP thread: builds the exchange and hands it to the route's thread; never throws. */
    void dispatch(ServerTransactionContext ctx, Response response) {
        ExecutorService pool = executor;
        if (pool == null) {
            return;
        }
        try {
            Exchange exchange = createExchange(false);
            exchange.setProperty(SipConstants.PROPERTY_REQUEST, ctx.request());
            SipHeaderMapper.mapRequest(exchange.getIn(), ctx, getEndpoint().getComponent().core().runtime().localAddresses());
            SipHeaderMapper.mapFinalResponse(exchange.getIn(), response, SipOutcome.RESPONSE);
            pool.execute(() -> process(exchange));
        } catch (RejectedExecutionException e) {
            LOG.warn("Late {} to INVITE not handed to route {}: queue full or stopping", response.getStatusCode(), getRouteId());
        } catch (RuntimeException e) {
            LOG.error("Late {} to INVITE not handed to route {}", response.getStatusCode(), getRouteId(), e);
        }
    }

    private void process(Exchange exchange) {
        String callId = exchange.getIn().getHeader(SipConstants.CALL_ID, String.class);
        if (callId != null) {
            MDC.put(SipEventDispatcher.MDC_CALL_ID, callId);
        }
        try {
            getAsyncProcessor().process(exchange, doneSync -> {
                try {
                    if (exchange.getException() != null) {
                        getExceptionHandler().handleException("sip:late-answer route failed", exchange, exchange.getException());
                    }
                } finally {
                    releaseExchange(exchange, false);
                }
            });
        } finally {
            MDC.remove(SipEventDispatcher.MDC_CALL_ID);
        }
    }
}
