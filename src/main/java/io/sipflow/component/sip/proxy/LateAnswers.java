package io.sipflow.component.sip.proxy;

import javax.sip.message.Response;

/** Where the proxy core reports 2xx answers to an INVITE that reached the caller after its relay had ended. */
public interface LateAnswers {

    /**
     * A 2xx to the INVITE of {@code context} was sent upstream after the relay's outcome was already
     * decided (SipFlow's own 408, its 487 after a CANCEL, another fork branch's answer). Called on a SIP
     * thread: must return at once and never throw. A retransmission of that 2xx may be reported again.
     */
    void lateAnswer(ServerTransactionContext context, Response response);
}
