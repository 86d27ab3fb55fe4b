package io.sipflow.component.sip.proxy;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sip.ClientTransaction;
import javax.sip.address.Hop;
import javax.sip.message.Request;

/** One forwarded or originated request and its client transaction (attached as application data). */
public final class ClientBranch {

    private final ServerTransactionContext server;
    private final Request request;
    private final Hop hop;
    private volatile BranchListener listener;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile ClientTransaction clientTransaction;
    private volatile boolean provisionalSeen;
    private volatile boolean cancelPending;
    private final AtomicBoolean cancelSent = new AtomicBoolean();
    private volatile ScheduledFuture<?> timer;
    private final long startedNanos = System.nanoTime();
    private volatile boolean timedOutInLocalOverload;
    private volatile boolean answered;

    ClientBranch(ServerTransactionContext server, Request request, Hop hop, BranchListener listener) {
        this.server = server;
        this.request = request;
        this.hop = hop;
        this.listener = listener;
    }

    /** The server transaction this branch relays for; null for originated requests. */
    public ServerTransactionContext server() {
        return server;
    }

    public Request request() {
        return request;
    }

    public Hop hop() {
        return hop;
    }

    BranchListener listener() {
        BranchListener l = listener;
        return l != null ? l : NO_LISTENER;
    }

    /**
     * Once the branch ended, the listener (and the exchange it holds) is let go: the client
     * transaction lingers in the stack for retransmissions (Timer D/K), the exchange need not.
     */
    void releaseListener() {
        listener = null;
    }

    private static final BranchListener NO_LISTENER = (branch, response, outcome) -> { };

    /** When the branch was created (System.nanoTime()). */
    long startedNanos() {
        return startedNanos;
    }

    void markTimedOutInLocalOverload() {
        timedOutInLocalOverload = true;
    }

    /**
     * True when the branch timed out while SipFlow itself was congested (its receive queue over the
     * overload mark at some point since the branch started): the timeout is likely ours, not the hop's.
     */
    public boolean timedOutInLocalOverload() {
        return timedOutInLocalOverload;
    }

    public boolean isInvite() {
        return Request.INVITE.equals(request.getMethod());
    }

    ClientTransaction clientTransaction() {
        return clientTransaction;
    }

    void clientTransaction(ClientTransaction tx) {
        this.clientTransaction = tx;
    }

    public boolean isFinished() {
        return finished.get();
    }

    /** Claims the single final outcome of this branch. */
    boolean finish() {
        boolean first = finished.compareAndSet(false, true);
        if (first) {
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
        }
        return first;
    }

    /** The branch ended with a 2xx: a 2xx arriving after that is its retransmission, not a late answer. */
    boolean answered() {
        return answered;
    }

    void markAnswered() {
        answered = true;
    }

    boolean provisionalSeen() {
        return provisionalSeen;
    }

    void markProvisionalSeen() {
        provisionalSeen = true;
    }

    boolean cancelPending() {
        return cancelPending;
    }

    void markCancelPending() {
        cancelPending = true;
    }

    /** Claims the one CANCEL of this branch (a timer and a fork decision may both want to send it). */
    boolean claimCancel() {
        return cancelSent.compareAndSet(false, true);
    }

    void timer(ScheduledFuture<?> timer) {
        ScheduledFuture<?> old = this.timer;
        this.timer = timer;
        if (old != null) {
            old.cancel(false);
        }
        if (finished.get()) {
            timer.cancel(false);
        }
    }
}
