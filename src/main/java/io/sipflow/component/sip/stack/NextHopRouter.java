package io.sipflow.component.sip.stack;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.stack.DefaultRouter;

import java.util.ListIterator;
import javax.sip.SipException;
import javax.sip.SipStack;
import javax.sip.address.Hop;
import javax.sip.address.Router;
import javax.sip.message.Request;

/**
 * The stack's router: a request that carries a {@link Hop} as application data (the route's
 * {@code $du}) goes there; any other request follows RFC 3261 routing (Route set, then R-URI).
 * Like OpenSIPS, {@code $du} changes where the request is sent without touching the message.
 */
public final class NextHopRouter implements Router {

    private final DefaultRouter rfc3261Router;

    public NextHopRouter(SipStack stack, String outboundProxy) {
        this.rfc3261Router = new DefaultRouter(stack, outboundProxy);
    }

    /** Pins the next hop of a request about to be sent. */
    public static void pin(Request request, Hop hop) {
        ((SIPMessage) request).setApplicationData(hop);
    }

    @Override
    public Hop getNextHop(Request request) throws SipException {
        Object pinned = ((SIPMessage) request).getApplicationData();
        if (pinned instanceof Hop hop) {
            return hop;
        }
        return rfc3261Router.getNextHop(request);
    }

    @Override
    public Hop getOutboundProxy() {
        return rfc3261Router.getOutboundProxy();
    }

    @Override
    @Deprecated
    @SuppressWarnings("rawtypes")
    public ListIterator getNextHops(Request request) {
        return rfc3261Router.getNextHops(request);
    }
}
