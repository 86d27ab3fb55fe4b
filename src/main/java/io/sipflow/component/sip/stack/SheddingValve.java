package io.sipflow.component.sip.stack;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPMessageValve;
import gov.nist.javax.sip.stack.SIPTransactionStack;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sip.SipStack;
import javax.sip.message.Response;

/**
 * JAIN-SIP's hook for congestion control ({@code gov.nist.javax.sip.SIP_MESSAGE_VALVE}): the stack
 * calls it for every parsed request before it looks up or creates a server transaction, so a shed
 * request costs a parse and a datagram, nothing more. The stack instantiates it by class name; it
 * finds its stack's {@link LoadShedder} (registered by {@link SipStackRuntime}) on the first request.
 * Requests that arrive before that pass.
 */
public final class SheddingValve implements SIPMessageValve {

    private static final Map<SIPTransactionStack, LoadShedder> SHEDDERS = new ConcurrentHashMap<>();

    private volatile LoadShedder shedder;

    static void register(SipStack stack, LoadShedder shedder) {
        SHEDDERS.put((SIPTransactionStack) stack, shedder);
    }

    static void unregister(SipStack stack) {
        SHEDDERS.remove((SIPTransactionStack) stack);
    }

    @Override
    public boolean processRequest(SIPRequest request, MessageChannel channel) {
        LoadShedder s = shedder;
        if (s == null) {
            s = SHEDDERS.get(channel.getSIPStack());
            if (s == null) {
                return true;
            }
            shedder = s;
        }
        return s.pass(request, channel);
    }

    @Override
    public boolean processResponse(Response response, MessageChannel channel) {
        return true;
    }

    @Override
    public void init(SipStack stack) {
        // the shedder is registered once the stack's listening points exist (see processRequest)
    }

    @Override
    public void destroy() {
        shedder = null;
    }
}
