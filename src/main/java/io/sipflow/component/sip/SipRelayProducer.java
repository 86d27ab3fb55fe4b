package io.sipflow.component.sip;

import io.sipflow.component.sip.proxy.BranchListener;
import io.sipflow.component.sip.proxy.ClientBranch;
import io.sipflow.component.sip.proxy.ProxyCore;
import io.sipflow.component.sip.proxy.RelayInstructions;
import io.sipflow.component.sip.proxy.ServerTransactionContext;
import io.sipflow.component.sip.proxy.SipEventDispatcher;

import java.util.List;
import javax.sip.address.URI;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultAsyncProducer;
import org.slf4j.MDC;

/**
 * {@code sip:relay}: stateful forward of the current request (OpenSIPS {@code t_relay()}). No thread
 * waits: the exchange continues on the SIP thread that receives the final response, with that
 * response as the body and {@code CamelSipStatusCode}/{@code CamelSipOutcome} set. Provisional
 * responses go upstream at once. ACK for a 2xx is forwarded statelessly and continues immediately.
 */
public class SipRelayProducer extends DefaultAsyncProducer {

    private ProducerTemplate provisionalTemplate;

    public SipRelayProducer(SipEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public SipEndpoint getEndpoint() {
        return (SipEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        if (getEndpoint().getOnProvisional() != null) {
            provisionalTemplate = getEndpoint().getCamelContext().createProducerTemplate();
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (provisionalTemplate != null) {
            provisionalTemplate.stop();
        }
        super.doStop();
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        ServerTransactionContext ctx = exchange.getProperty(SipConstants.PROPERTY_TRANSACTION, ServerTransactionContext.class);
        if (ctx == null) {
            exchange.setException(new IllegalStateException("sip:relay needs a request received by sip:initial or sip:in-dialog"));
            callback.done(true);
            return true;
        }
        ProxyCore core = getEndpoint().getComponent().core();
        RelayInstructions instructions;
        try {
            instructions = instructions(exchange, core);
        } catch (Exception e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        if (Request.ACK.equals(ctx.method())) {
            core.forwardStateless(ctx, instructions);
            callback.done(true);
            return true;
        }
        ExchangeContinuation continuation = new ExchangeContinuation(callback);
        String callId = exchange.getIn().getHeader(SipConstants.CALL_ID, String.class);
        BranchListener single = new BranchListener() {
            @Override
            public void onProvisional(ClientBranch branch, Response response) {
                provisional(exchange, ctx, core, response);
            }

            @Override
            public void onFinal(ClientBranch branch, Response response, SipOutcome outcome) {
                if (callId != null) {
                    MDC.put(SipEventDispatcher.MDC_CALL_ID, callId);
                }
                SipHeaderMapper.mapFinalResponse(exchange.getMessage(), response, outcome);
                SipHeaderMapper.mapLocalOverload(exchange.getMessage(), branch);
                if (branch != null) {
                    exchange.getMessage().setHeader(SipConstants.BRANCH_DESTINATION,
                            io.sipflow.component.sip.proxy.Hops.key(branch.hop()));
                }
                continuation.done();
            }
        };
        @SuppressWarnings("unchecked")
        List<BranchTarget> targets = exchange.getProperty(SipConstants.PROPERTY_BRANCH_TARGETS, List.class);
        if (targets == null || targets.isEmpty()) {
            core.relay(ctx, instructions, single);
        } else {
            String mode = exchange.getMessage().getHeader(SipConstants.FORK_MODE, getEndpoint().getForkMode(), String.class);
            // a fork is used once: a failover relay after it goes to $du as usual
            exchange.removeProperty(SipConstants.PROPERTY_BRANCH_TARGETS);
            new ForkedRelay(core, ctx, exchange, continuation, targets, ForkedRelay.isSerial(mode),
                    t -> forTarget(instructions, t, core), single).start();
        }
        return continuation.returned();
    }

    private void provisional(Exchange exchange, ServerTransactionContext ctx, ProxyCore core, Response response) {
        core.forwardUpstream(ctx, response);
        if (provisionalTemplate != null) {
            Exchange copy = exchange.copy();
            copy.setPattern(ExchangePattern.InOnly);
            copy.getMessage().setBody(response);
            copy.getMessage().setHeader(SipConstants.STATUS_CODE, response.getStatusCode());
            copy.getMessage().setHeader(SipConstants.REASON_PHRASE, response.getReasonPhrase());
            provisionalTemplate.send(getEndpoint().getOnProvisional(), copy);
        }
    }

    private static RelayInstructions forTarget(RelayInstructions base, BranchTarget target, ProxyCore core) {
        try {
            var af = core.runtime().addressFactory();
            return new RelayInstructions(af.createURI(target.requestUri()),
                    target.destinationUri() == null ? null : af.createURI(target.destinationUri()),
                    base.recordRoute(), base.timeout());
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException("Bad branch target " + target + ": " + e.getMessage(), e);
        }
    }

    private RelayInstructions instructions(Exchange exchange, ProxyCore core) throws Exception {
        var message = exchange.getMessage();
        var addressFactory = core.runtime().addressFactory();
        ServerTransactionContext ctx = exchange.getProperty(SipConstants.PROPERTY_TRANSACTION, ServerTransactionContext.class);
        URI requestUri = null;
        String ruri = message.getHeader(SipConstants.REQUEST_URI, String.class);
        if (ruri != null && !ruri.equals(ctx.request().getRequestURI().toString())) {
            requestUri = addressFactory.createURI(ruri);
        }
        URI destination = null;
        String du = message.getHeader(SipConstants.DESTINATION_URI, String.class);
        if (du != null && !du.isBlank()) {
            destination = addressFactory.createURI(du.trim());
        }
        Boolean rrHeader = message.getHeader(SipConstants.RECORD_ROUTE, Boolean.class);
        boolean recordRoute = rrHeader != null ? rrHeader : getEndpoint().isRecordRoute();
        return new RelayInstructions(requestUri, destination, recordRoute, getEndpoint().timeoutDuration());
    }
}
