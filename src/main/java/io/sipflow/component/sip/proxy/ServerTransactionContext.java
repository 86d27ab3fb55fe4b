package io.sipflow.component.sip.proxy;

import java.util.ArrayList;
import java.util.List;
import javax.sip.ServerTransaction;
import javax.sip.SipProvider;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * Everything the proxy knows about one received request: the only object ever attached to a
 * server transaction ({@code setApplicationData}), and the exchange property routes carry.
 * The server transaction is null for requests handled statelessly (ACK for 2xx).
 */
public final class ServerTransactionContext {

    private final SipProvider provider;
    private final ServerTransaction serverTransaction;
    private final Request request;
    private final String sourceIp;
    private final int sourcePort;
    private final String transport;
    private final String localSocket;
    private final long receivedNanos = System.nanoTime();
    private final List<ClientBranch> branches = new ArrayList<>(1);
    private boolean finalResponseSent;
    private boolean awaitingAnswer;
    private boolean cancelled;
    private Response lastFinalResponse;
    private String localToTag;
    private String finalResponseToTag;

    public ServerTransactionContext(SipProvider provider, ServerTransaction serverTransaction, Request request,
            String sourceIp, int sourcePort, String transport, String localSocket) {
        this.provider = provider;
        this.serverTransaction = serverTransaction;
        this.request = request;
        this.sourceIp = sourceIp;
        this.sourcePort = sourcePort;
        this.transport = transport;
        this.localSocket = localSocket;
    }

    public SipProvider provider() {
        return provider;
    }

    public ServerTransaction serverTransaction() {
        return serverTransaction;
    }

    public boolean isStateless() {
        return serverTransaction == null;
    }

    public Request request() {
        return request;
    }

    public String method() {
        return request.getMethod();
    }

    public String sourceIp() {
        return sourceIp;
    }

    public int sourcePort() {
        return sourcePort;
    }

    public String transport() {
        return transport;
    }

    public String localSocket() {
        return localSocket;
    }

    public long receivedNanos() {
        return receivedNanos;
    }

    public synchronized boolean isFinalResponseSent() {
        return finalResponseSent;
    }

    /** Claims the right to send the final response, whose To tag is {@code toTag}; false if one was already sent. */
    synchronized boolean claimFinalResponse(String toTag) {
        if (finalResponseSent) {
            return false;
        }
        finalResponseSent = true;
        finalResponseToTag = toTag;
        return true;
    }

    /** The To tag of the final response this transaction answered with (null before it, or when it had none). */
    synchronized String finalResponseToTag() {
        return finalResponseToTag;
    }

    /** Counts this request as in flight (load shedding) until {@link #answered()}. */
    synchronized void awaitAnswer() {
        awaitingAnswer = true;
    }

    /** The request got its answer (INVITE: rang, or its final); true the first time only. */
    synchronized boolean answered() {
        boolean was = awaitingAnswer;
        awaitingAnswer = false;
        return was;
    }

    public synchronized boolean isCancelled() {
        return cancelled;
    }

    /** Marks the transaction cancelled and returns the branches still waiting for a final answer. */
    synchronized List<ClientBranch> cancel() {
        cancelled = true;
        List<ClientBranch> pending = new ArrayList<>();
        for (ClientBranch b : branches) {
            if (!b.isFinished()) {
                pending.add(b);
            }
        }
        return pending;
    }

    /**
     * After the final response went out, nothing here is needed but the identity of the transaction
     * (a late CANCEL still finds it): branches and responses are let go, so the stack's lingering
     * server transaction (Timer J: 32 s over UDP) does not keep an exchange alive.
     */
    synchronized void releaseAfterFinal() {
        branches.clear();
        lastFinalResponse = null;
    }

    /** Branches still waiting for a final answer. */
    synchronized List<ClientBranch> pendingBranches() {
        List<ClientBranch> pending = new ArrayList<>();
        for (ClientBranch b : branches) {
            if (!b.isFinished()) {
                pending.add(b);
            }
        }
        return pending;
    }

    /** Adds a branch unless the transaction was cancelled meanwhile (then returns false). */
    synchronized boolean addBranch(ClientBranch branch) {
        if (cancelled) {
            return false;
        }
        branches.add(branch);
        return true;
    }

    public synchronized int branchCount() {
        return branches.size();
    }

    public synchronized Response lastFinalResponse() {
        return lastFinalResponse;
    }

    synchronized void setLastFinalResponse(Response response) {
        this.lastFinalResponse = response;
    }

    /** The To tag SipFlow uses for responses it generates itself on this transaction. */
    synchronized String localToTag() {
        if (localToTag == null) {
            localToTag = "sf" + Long.toHexString(Double.doubleToLongBits(Math.random()) ^ System.nanoTime());
        }
        return localToTag;
    }
}
