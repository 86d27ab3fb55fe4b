package io.sipflow.component.sip;

import io.sipflow.component.sip.proxy.BranchListener;
import io.sipflow.component.sip.proxy.ClientBranch;
import io.sipflow.component.sip.proxy.ProxyCore;

import java.util.List;
import java.util.UUID;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.URI;
import javax.sip.header.HeaderFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultAsyncProducer;

/**
 * {@code sip:request?method=OPTIONS}: originates a new request (OpenSIPS/Kamailio
 * {@code uac_req_send()}), asynchronously; the exchange continues with the final response as body.
 * The body may be a ready {@code javax.sip.message.Request} (then only the Via is added); otherwise
 * the request is built from {@code CamelSipRequestUri}, {@code CamelSipOriginate*} headers.
 */
public class SipRequestProducer extends DefaultAsyncProducer {

    public SipRequestProducer(SipEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public SipEndpoint getEndpoint() {
        return (SipEndpoint) super.getEndpoint();
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        ProxyCore core = getEndpoint().getComponent().core();
        Request request;
        URI destination;
        try {
            Message message = exchange.getMessage();
            request = message.getBody() instanceof Request ready ? ready : build(message, core);
            String du = message.getHeader(SipConstants.DESTINATION_URI, String.class);
            destination = du == null || du.isBlank() ? null : core.runtime().addressFactory().createURI(du.trim());
        } catch (Exception e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        ExchangeContinuation continuation = new ExchangeContinuation(callback);
        try {
            core.originate(request, destination, getEndpoint().timeoutDuration(), new BranchListener() {
                @Override
                public void onFinal(ClientBranch branch, Response response, SipOutcome outcome) {
                    SipHeaderMapper.mapFinalResponse(exchange.getMessage(), response, outcome);
                    SipHeaderMapper.mapLocalOverload(exchange.getMessage(), branch);
                    continuation.done();
                }
            });
        } catch (RuntimeException e) {
            exchange.setException(e);
            continuation.done();
        }
        return continuation.returned();
    }

    private Request build(Message message, ProxyCore core) throws Exception {
        AddressFactory af = core.runtime().addressFactory();
        HeaderFactory hf = core.runtime().headerFactory();
        String method = getEndpoint().getMethod().trim();
        String target = message.getHeader(SipConstants.REQUEST_URI, String.class);
        if (target == null) {
            throw new IllegalArgumentException("sip:request needs header " + SipConstants.REQUEST_URI);
        }
        URI requestUri = af.createURI(target);
        String fromText = message.getHeader(SipConstants.ORIGINATE_FROM, String.class);
        if (fromText == null) {
            fromText = "sip:sipflow@" + core.runtime().settings().advertisedHost();
        }
        String toText = message.getHeader(SipConstants.ORIGINATE_TO, String.class);
        Address from = af.createAddress(fromText);
        Address to = af.createAddress(toText != null ? toText : target);
        String callId = message.getHeader(SipConstants.ORIGINATE_CALL_ID, String.class);
        Long cseq = message.getHeader(SipConstants.ORIGINATE_CSEQ, Long.class);
        Request request = core.runtime().messageFactory().createRequest(requestUri, method,
                hf.createCallIdHeader(callId != null ? callId : UUID.randomUUID() + "@sipflow"),
                hf.createCSeqHeader(cseq != null ? cseq : 1L, method),
                hf.createFromHeader(from, Long.toHexString(Double.doubleToLongBits(Math.random()))),
                hf.createToHeader(to, null),
                List.of(),
                hf.createMaxForwardsHeader(SipProtocolConstants.DEFAULT_MAX_FORWARDS));
        String contact = message.getHeader(SipConstants.ORIGINATE_CONTACT, String.class);
        if (contact != null) {
            request.addHeader(hf.createContactHeader(af.createAddress(contact)));
        }
        SipHeaders.add(request, getEndpoint().extraHeaders(), core);
        SipHeaders.add(request, SipHeaders.fromHeader(message.getHeader(SipConstants.EXTRA_HEADERS)), core);
        return request;
    }
}
