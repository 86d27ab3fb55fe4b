package io.sipflow.component.sip;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.AsyncCallback;

/**
 * Bridges a SIP branch that may end before {@code process()} returns (a local 483, an immediate
 * transport error) or later on a SIP thread, onto Camel's async contract: completion during the
 * call is reported as synchronous, later completion as asynchronous.
 */
final class ExchangeContinuation {

    private static final int CALLING = 0;
    private static final int DONE_WHILE_CALLING = 1;
    private static final int RETURNED = 2;

    private final AsyncCallback callback;
    private final AtomicInteger state = new AtomicInteger(CALLING);

    ExchangeContinuation(AsyncCallback callback) {
        this.callback = callback;
    }

    /** Called once the exchange holds the outcome. */
    void done() {
        if (!state.compareAndSet(CALLING, DONE_WHILE_CALLING)) {
            callback.done(false);
        }
    }

    /** Called at the end of {@code process()}; its result is what {@code process()} returns. */
    boolean returned() {
        if (state.compareAndSet(CALLING, RETURNED)) {
            return false;
        }
        callback.done(true);
        return true;
    }
}
