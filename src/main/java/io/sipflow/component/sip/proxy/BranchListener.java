package io.sipflow.component.sip.proxy;

import io.sipflow.component.sip.SipOutcome;

import javax.sip.message.Response;

/** Receives what happens to one client branch; called on SIP or timer threads, never blocks. */
public interface BranchListener {

    /** A provisional response (101-199); 100 Trying is absorbed and never reported. */
    default void onProvisional(ClientBranch branch, Response response) {
    }

    /**
     * The branch ended: a final response arrived, or SipFlow synthesised one (408 on timeout,
     * 503 when unreachable, 482/483/487 locally). Called exactly once per branch.
     */
    void onFinal(ClientBranch branch, Response response, SipOutcome outcome);
}
