package io.sipflow.component.sip.proxy;

import gov.nist.javax.sip.ReleaseReferencesStrategy;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.stack.SIPClientTransaction;
import gov.nist.javax.sip.stack.SIPServerTransaction;
import io.sipflow.component.sip.SipOutcome;
import io.sipflow.component.sip.SipProtocolConstants;
import io.sipflow.component.sip.stack.AnsweredRequests;
import io.sipflow.component.sip.stack.LocalAddresses;
import io.sipflow.component.sip.stack.NextHopRouter;
import io.sipflow.component.sip.stack.ParsedResponse;
import io.sipflow.component.sip.stack.SipStackRuntime;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sip.ClientTransaction;
import javax.sip.ServerTransaction;
import javax.sip.SipProvider;
import javax.sip.address.Hop;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.AllowHeader;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction-stateful proxy mechanism (RFC 3261 §16): forwards requests on client branches,
 * relays responses upstream, answers locally, cancels. Policy (where to send, when to answer what)
 * comes from the routes through {@link RelayInstructions}; this class never decides it.
 */
public final class ProxyCore {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyCore.class);

    private final SipStackRuntime runtime;
    private final ScheduledThreadPoolExecutor timers;
    private final AtomicLong branchCounter = new AtomicLong();
    private final String branchSalt = Long.toHexString(System.nanoTime() & 0xffffffL);
    /** Branches waiting on a reliable transport, by hop: a connect failure there ends them with 503. */
    private final Map<String, Set<ClientBranch>> pendingByHop = new ConcurrentHashMap<>();

    /**
     * Sends that may have to open a TCP connection run here, never on a SIP thread: JAIN-SIP
     * connects synchronously (bounded by sipflow.sip.tcp-connect-timeout), and a slow or dead TCP
     * next hop must not stall unrelated transactions.
     */
    private final ThreadPoolExecutor connectPool;
    /** Told about every 2xx to an INVITE that goes upstream after the relay's outcome was decided. */
    private final LateAnswers lateAnswers;

    public ProxyCore(SipStackRuntime runtime, LateAnswers lateAnswers) {
        this.runtime = runtime;
        this.lateAnswers = lateAnswers;
        this.connectPool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(10_000), r -> {
            Thread t = new Thread(r, "sipflow-tcp-send");
            t.setDaemon(true);
            return t;
        });
        this.connectPool.allowCoreThreadTimeOut(true);
        this.timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "sipflow-fr-timer");
            t.setDaemon(true);
            return t;
        });
        this.timers.setRemoveOnCancelPolicy(true);
    }

    public void shutdown() {
        timers.shutdownNow();
        connectPool.shutdownNow();
    }

    /** Runs a send on the caller's thread for UDP, on the connect pool for connection-oriented transports. */
    private void dispatchSend(String transport, Runnable send) {
        if (!isReliable(transport)) {
            send.run();
            return;
        }
        try {
            connectPool.execute(send);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("TCP send queue full or stopped", e);
        }
    }

    public SipStackRuntime runtime() {
        return runtime;
    }

    // ---------------------------------------------------------------------------------------------
    // Answers on the server transaction
    // ---------------------------------------------------------------------------------------------

    /** Builds a response to the received request; final responses get our To tag when none is set. */
    public Response createResponse(ServerTransactionContext ctx, int code, String reason) {
        try {
            Response response = runtime.messageFactory().createResponse(code, ctx.request());
            if (reason != null && !reason.isEmpty()) {
                response.setReasonPhrase(reason);
            }
            ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
            if (code > 100 && to != null && to.getTag() == null) {
                to.setTag(ctx.localToTag());
            }
            if (code >= 200 && code < 300 && Request.OPTIONS.equals(ctx.method())) {
                for (String method : SipProtocolConstants.ALLOW.split(",\\s*")) {
                    AllowHeader allow = runtime.headerFactory().createAllowHeader(method);
                    response.addHeader(allow);
                }
            }
            return response;
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException("Cannot build " + code + " response: " + e.getMessage(), e);
        }
    }

    /** Sends a locally built response; returns false when a final response was already sent. */
    public boolean reply(ServerTransactionContext ctx, int code, String reason) {
        return send(ctx, createResponse(ctx, code, reason));
    }

    /**
     * Relays a response from a client branch upstream: RFC 3261 §16.7 step 3, our Via removed. The
     * Via is removed from the received response itself, not from a copy (a copy of a REGISTER's 200
     * was ~5 KB of garbage, 6 % of all allocation at 3,000/s): nothing reads a received response's
     * Vias after it was matched to its branch, and only a Via of ours is ever removed, so a response
     * forwarded twice (a 2xx to an INVITE goes upstream even after another final) keeps the next one.
     */
    public boolean forwardUpstream(ServerTransactionContext ctx, Response received) {
        synchronized (received) {
            if (isOwnVia((ViaHeader) received.getHeader(ViaHeader.NAME), runtime.localAddresses())) {
                received.removeFirst(ViaHeader.NAME);
            }
        }
        return send(ctx, received);
    }

    /** A Via this proxy put on a request it relayed (or on the copy a local answer is built on). */
    static boolean isOwnVia(ViaHeader via, LocalAddresses local) {
        return via != null && via.getBranch() != null && via.getBranch().startsWith(SipProtocolConstants.BRANCH_PREFIX)
                && local.isLocal(via.getHost(), via.getPort());
    }

    /** Sends a response on the server transaction; a second final response is refused (except 2xx to INVITE). */
    public boolean send(ServerTransactionContext ctx, Response response) {
        if (ctx.isStateless()) {
            return false;
        }
        int code = response.getStatusCode();
        if ((code >= 200 || (code > 100 && Request.INVITE.equals(ctx.method()))) && ctx.answered()) {
            runtime.overloadGuard().requestAnswered(); // in flight until it rang or got its final
        }
        if (code >= 200 && !ctx.claimFinalResponse(toTag(response))) {
            if (code < 300 && Request.INVITE.equals(ctx.method())) {
                if (!Objects.equals(toTag(response), ctx.finalResponseToTag())) {
                    // not a retransmission of the answer the transaction gave: the call was answered late
                    // (told before the send, which readdresses the response to the caller)
                    safely(() -> lateAnswers.lateAnswer(ctx, response));
                }
                // RFC 3261 §16.7 step 5: every 2xx to an INVITE is forwarded, even after another final
                sendStateless(ctx.provider(), response);
            } else {
                LOG.debug("Final response {} not sent: transaction already answered", code);
            }
            return false;
        }
        try {
            byte[] sent = ParsedResponse.sendEncodingOnce(response, () -> ctx.serverTransaction().sendResponse(response));
            if (code >= 200) {
                runtime.counters().finalReply(code, System.nanoTime() - ctx.receivedNanos());
                ctx.releaseAfterFinal();
                if (!Request.INVITE.equals(ctx.method())) {
                    // only a CANCEL looks an (INVITE) transaction's context up after its final answer
                    ctx.serverTransaction().setApplicationData(null);
                    keepForRetransmissions(ctx.serverTransaction(), response, sent);
                }
            }
            return true;
        } catch (Exception e) {
            LOG.warn("Could not send {} response: {}", code, e.getMessage());
            return false;
        }
    }

    /**
     * Retransmissions of an answered non-INVITE request are answered again from {@link AnsweredRequests}
     * (the stack's transaction ends 64 ms after the answer), or, for a request the table does not
     * keep, by the transaction lingering for the wait timer with only what matching reads.
     */
    private void keepForRetransmissions(ServerTransaction transaction, Response response, byte[] sent) {
        if (transaction instanceof SIPServerTransaction stx && AnsweredRequests.keepsAnswerOf(stx)) {
            byte[] answer = sent != null ? sent : ((SIPResponse) response).encodeAsBytes(stx.getTransport());
            runtime.answeredRequests().keep((SIPRequest) stx.getRequest(), answer);
        } else {
            MatchingSkeleton.keepOnlyWhatMatches(transaction);
        }
    }

    private void sendStateless(SipProvider provider, Response response) {
        try {
            provider.sendResponse(response);
        } catch (Exception e) {
            LOG.warn("Could not send {} statelessly: {}", response.getStatusCode(), e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Relaying
    // ---------------------------------------------------------------------------------------------

    /**
     * Forwards the received request on a new client branch. The listener receives exactly one
     * {@code onFinal}, possibly before this method returns (482/483/487/503 decided locally).
     */
    public void relay(ServerTransactionContext ctx, RelayInstructions instructions, BranchListener listener) {
        Request original = ctx.request();
        if (ctx.isCancelled()) {
            finishLocally(ctx, listener, SipProtocolConstants.REQUEST_TERMINATED, "Request Terminated", SipOutcome.LOCAL);
            return;
        }
        Request request = (Request) original.clone();
        if (instructions.requestUri() != null) {
            request.setRequestURI(instructions.requestUri());
        }
        MaxForwardsHeader maxForwards = (MaxForwardsHeader) request.getHeader(MaxForwardsHeader.NAME);
        try {
            if (maxForwards == null) {
                // RFC 3261 §16.6 step 3: add Max-Forwards when the request has none
                request.setHeader(runtime.headerFactory().createMaxForwardsHeader(SipProtocolConstants.DEFAULT_MAX_FORWARDS));
            } else if (maxForwards.getMaxForwards() <= 0) {
                // RFC 3261 §16.3 step 3: a request with no hops left is answered 483, never forwarded
                finishLocally(ctx, listener, SipProtocolConstants.TOO_MANY_HOPS, "Too Many Hops", SipOutcome.LOCAL);
                return;
            } else {
                // RFC 3261 §16.6 step 3: one hop consumed
                maxForwards.decrementMaxForwards();
            }
        } catch (Exception e) {
            throw new IllegalStateException("Max-Forwards handling failed", e);
        }
        String loopHash = LoopDetector.loopHash(request);
        if (LoopDetector.isLoop(original, loopHash, runtime.localAddresses())) {
            // RFC 3261 §16.3 step 4: our own Via with the same request hash means the request looped
            finishLocally(ctx, listener, SipProtocolConstants.LOOP_DETECTED, "Loop Detected", SipOutcome.LOCAL);
            return;
        }
        Hop hop;
        try {
            hop = nextHop(request, instructions.destination());
        } catch (IllegalArgumentException e) {
            LOG.info("Cannot relay {}: {}", original.getMethod(), e.getMessage());
            finishLocally(ctx, listener, SipProtocolConstants.SERVICE_UNAVAILABLE, "Unroutable Destination", SipOutcome.UNREACHABLE);
            return;
        }
        if (instructions.destination() == null && request.getHeader(RouteHeader.NAME) == null
                && runtime.localAddresses().isLocal(hop.getHost(), hop.getPort())) {
            // without $du a request for ourselves would be sent to ourselves forever
            finishLocally(ctx, listener, SipProtocolConstants.LOOP_DETECTED, "Loop Detected", SipOutcome.LOCAL);
            return;
        }
        if (instructions.recordRoute() && isDialogCreating(request)) {
            // RFC 3261 §16.6 step 4: stay on the path of the dialog; ;lr marks us as a loose router
            addRecordRoute(request, hop.getTransport());
        }
        ClientBranch branch = new ClientBranch(ctx, request, hop, listener);
        if (!ctx.addBranch(branch)) {
            finishLocally(ctx, listener, SipProtocolConstants.REQUEST_TERMINATED, "Request Terminated", SipOutcome.LOCAL);
            return;
        }
        Duration timeout = instructions.timeout() != null ? instructions.timeout()
                : runtime.settings().finalResponseTimeout();
        start(branch, ctx.provider(), loopHash, timeout);
    }

    /**
     * Originates a new request (OPTIONS probes, secondary REGISTERs). The request must carry
     * everything but the Via; the destination may be null to route by Route set / R-URI.
     */
    public void originate(Request request, URI destination, Duration timeout, BranchListener listener) {
        Hop hop = nextHop(request, destination);
        ClientBranch branch = new ClientBranch(null, request, hop, listener);
        start(branch, runtime.defaultProvider(), "o" + Long.toHexString(branchCounter.incrementAndGet()),
                timeout != null ? timeout : runtime.settings().finalResponseTimeout());
    }

    /** Forwards an ACK for a 2xx statelessly along the Route set (RFC 3261 §16.11, §13.2.2.4). */
    public void forwardStateless(ServerTransactionContext ctx, RelayInstructions instructions) {
        Request request = (Request) ctx.request().clone();
        try {
            if (instructions.requestUri() != null) {
                request.setRequestURI(instructions.requestUri());
            }
            MaxForwardsHeader maxForwards = (MaxForwardsHeader) request.getHeader(MaxForwardsHeader.NAME);
            if (maxForwards != null) {
                if (maxForwards.getMaxForwards() <= 0) {
                    return; // an ACK is never answered: out of hops, it is dropped
                }
                maxForwards.decrementMaxForwards();
            }
            Hop hop = nextHop(request, instructions.destination());
            if (instructions.destination() == null && request.getHeader(RouteHeader.NAME) == null
                    && runtime.localAddresses().isLocal(hop.getHost(), hop.getPort())) {
                LOG.debug("ACK addressed to ourselves dropped");
                return;
            }
            request.addFirst(via(hop.getTransport(), LoopDetector.loopHash(request)));
            NextHopRouter.pin(request, hop);
            dispatchSend(hop.getTransport(), () -> {
                try {
                    ctx.provider().sendRequest(request);
                    runtime.counters().forwardedRequests.increment();
                } catch (Exception e) {
                    LOG.info("Stateless forward of {} failed: {}", request.getMethod(), e.getMessage());
                }
            });
        } catch (Exception e) {
            LOG.info("Stateless forward of {} failed: {}", request.getMethod(), e.getMessage());
        }
    }

    private void start(ClientBranch branch, SipProvider provider, String loopHash, Duration timeout) {
        Request request = branch.request();
        Hop hop = branch.hop();
        try {
            request.addFirst(via(hop.getTransport(), loopHash));
            NextHopRouter.pin(request, hop);
            if (provider.getListeningPoint(hop.getTransport()) == null) {
                throw new IllegalArgumentException("no " + hop.getTransport() + " listening point");
            }
            if (isReliable(hop.getTransport())) {
                pendingByHop.computeIfAbsent(Hops.key(hop), k -> ConcurrentHashMap.newKeySet()).add(branch);
            }
            schedule(branch, timeout);
            dispatchSend(hop.getTransport(), () -> send(branch, provider));
        } catch (Exception e) {
            unreachable(branch, e);
        }
    }

    private void send(ClientBranch branch, SipProvider provider) {
        try {
            ClientTransaction tx = provider.getNewClientTransaction(branch.request());
            // once completed, a client transaction only matches retransmitted answers by their branch:
            // it may let go of its parsed request and response (see SipStackRuntime: not server ones)
            ((SIPClientTransaction) tx).setReleaseReferencesStrategy(ReleaseReferencesStrategy.Aggressive);
            tx.setApplicationData(branch);
            branch.clientTransaction(tx);
            tx.sendRequest();
            runtime.counters().forwardedRequests.increment();
        } catch (Exception e) {
            unreachable(branch, e);
        }
    }

    private void unreachable(ClientBranch branch, Exception e) {
        LOG.info("{} to {} failed: {}", branch.request().getMethod(), Hops.key(branch.hop()), e.getMessage());
        complete(branch, synthesize(branch, SipProtocolConstants.SERVICE_UNAVAILABLE, "Service Unavailable"),
                SipOutcome.UNREACHABLE);
    }

    private Hop nextHop(Request request, URI destination) {
        if (destination != null) {
            return Hops.fromUri(destination);
        }
        RouteHeader route = (RouteHeader) request.getHeader(RouteHeader.NAME);
        if (route != null) {
            return Hops.fromUri(route.getAddress().getURI());
        }
        return Hops.fromUri(request.getRequestURI());
    }

    private ViaHeader via(String transport, String loopHash) throws Exception {
        String branch = SipProtocolConstants.BRANCH_PREFIX + loopHash + "." + branchSalt
                + Long.toHexString(branchCounter.incrementAndGet());
        ViaHeader via = runtime.headerFactory().createViaHeader(runtime.settings().advertisedHost(),
                runtime.settings().advertisedPort(), transport, branch);
        // RFC 3581: ask the next hop to answer to the port we sent from
        via.setRPort();
        return via;
    }

    private void addRecordRoute(Request request, String transport) {
        try {
            SipURI uri = runtime.addressFactory().createSipURI(null, runtime.settings().advertisedHost());
            uri.setPort(runtime.settings().advertisedPort());
            if (!"udp".equalsIgnoreCase(transport)) {
                uri.setTransportParam(transport.toLowerCase(Locale.ROOT));
            }
            uri.setLrParam();
            RecordRouteHeader rr = runtime.headerFactory().createRecordRouteHeader(
                    runtime.addressFactory().createAddress(uri));
            request.addFirst(rr);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot build Record-Route", e);
        }
    }

    private static boolean isDialogCreating(Request request) {
        String method = request.getMethod();
        if (!Request.INVITE.equals(method) && !Request.SUBSCRIBE.equals(method) && !"REFER".equals(method)) {
            return false;
        }
        ToHeader to = (ToHeader) request.getHeader(ToHeader.NAME);
        return to == null || to.getTag() == null;
    }

    private static boolean isReliable(String transport) {
        return !"udp".equalsIgnoreCase(transport);
    }

    private void finishLocally(ServerTransactionContext ctx, BranchListener listener, int code, String reason,
            SipOutcome outcome) {
        Response response;
        try {
            // built on a copy carrying our Via, like every response a branch listener sees, so that
            // forwardUpstream treats local and received answers alike
            Request shadow = (Request) ctx.request().clone();
            shadow.addFirst(via("udp", "local"));
            response = runtime.messageFactory().createResponse(code, shadow);
            response.setReasonPhrase(reason);
            ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
            if (to != null && to.getTag() == null) {
                to.setTag(ctx.localToTag());
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot build local " + code + " response", e);
        }
        ctx.setLastFinalResponse(response);
        listener.onFinal(null, response, outcome);
    }

    // ---------------------------------------------------------------------------------------------
    // Events from the stack
    // ---------------------------------------------------------------------------------------------

    /** A response matched a client transaction. */
    void onResponse(ClientTransaction tx, Response response) {
        Object data = tx.getApplicationData();
        if (!(data instanceof ClientBranch branch)) {
            return; // the answer to a CANCEL we sent: hop by hop, nothing to relay
        }
        int code = response.getStatusCode();
        if (code < 200) {
            if (code == SipProtocolConstants.TRYING) {
                return; // RFC 3261 §16.7 step 5: 100 Trying is hop by hop, never forwarded
            }
            branch.markProvisionalSeen();
            if (branch.cancelPending()) {
                sendCancel(branch); // RFC 3261 §9.1: CANCEL waits for a provisional response
            } else if (branch.isInvite() && !branch.isFinished()) {
                // tm fr_inv_timeout: once it rings, wait longer for the answer
                schedule(branch, runtime.settings().inviteFinalResponseTimeout());
            }
            if (!branch.isFinished()) {
                safely(() -> branch.listener().onProvisional(branch, response));
            }
            return;
        }
        if (!branch.isFinished() && complete(branch, response, SipOutcome.RESPONSE)) {
            return;
        }
        // the branch had ended (or a timer ended it a moment ago)
        ServerTransactionContext server = branch.server();
        if (code < 300 && branch.isInvite() && server != null) {
            // RFC 3261 §16.7 step 5: a 2xx after we gave up is still forwarded upstream
            if (forwardUpstream(server, response) && !branch.answered()) {
                // the transaction had not answered yet (the route was trying another hop): this late 2xx is its answer
                safely(() -> lateAnswers.lateAnswer(server, response));
            }
        }
    }

    /** The stack's own transaction timer fired (Timer B/F): the branch got no final answer. */
    void onTimeout(ClientTransaction tx) {
        if (tx.getApplicationData() instanceof ClientBranch branch) {
            complete(branch, synthesize(branch, SipProtocolConstants.REQUEST_TIMEOUT, "Request Timeout"), SipOutcome.TIMEOUT);
        }
    }

    /** A send or connect failed: every branch still waiting on that hop ends with 503. */
    void onTransportError(String host, int port, String transport) {
        Set<ClientBranch> branches = pendingByHop.remove(Hops.key(host, port, transport));
        if (branches == null) {
            return;
        }
        for (ClientBranch branch : branches) {
            if (!branch.provisionalSeen()) {
                complete(branch, synthesize(branch, SipProtocolConstants.SERVICE_UNAVAILABLE, "Service Unavailable"),
                        SipOutcome.UNREACHABLE);
            }
        }
    }

    /** A fork decided (a 2xx or 6xx won): the other branches still pending are cancelled (RFC 3261 §16.7 step 10). */
    public void cancelPendingBranches(ServerTransactionContext ctx) {
        for (ClientBranch branch : ctx.pendingBranches()) {
            sendCancel(branch);
        }
    }

    /** The response a fork chose is the one the transaction answers with. */
    public void chooseFinal(ServerTransactionContext ctx, Response response) {
        ctx.setLastFinalResponse(response);
    }

    /** CANCEL received for the INVITE of this context: RFC 3261 §16.10, propagate to pending branches. */
    void cancel(ServerTransactionContext ctx) {
        for (ClientBranch branch : ctx.cancel()) {
            sendCancel(branch);
        }
    }

    private void sendCancel(ClientBranch branch) {
        if (!branch.provisionalSeen()) {
            branch.markCancelPending();
            return;
        }
        if (!branch.claimCancel()) {
            return;
        }
        try {
            Request cancel = branch.clientTransaction().createCancel();
            NextHopRouter.pin(cancel, branch.hop());
            SipProvider provider = branch.server() != null ? branch.server().provider() : runtime.defaultProvider();
            dispatchSend(branch.hop().getTransport(), () -> {
                try {
                    provider.getNewClientTransaction(cancel).sendRequest();
                } catch (Exception e) {
                    LOG.info("CANCEL toward {} failed: {}", Hops.key(branch.hop()), e.getMessage());
                }
            });
        } catch (Exception e) {
            LOG.info("CANCEL toward {} failed: {}", Hops.key(branch.hop()), e.getMessage());
        }
    }

    private void schedule(ClientBranch branch, Duration timeout) {
        try {
            branch.timer(timers.schedule(() -> onFinalResponseTimer(branch), timeout.toMillis(), TimeUnit.MILLISECONDS));
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            LOG.debug("Timer not armed: SipFlow is stopping");
        }
    }

    private void onFinalResponseTimer(ClientBranch branch) {
        if (branch.isFinished()) {
            return;
        }
        if (branch.isInvite() && branch.provisionalSeen()) {
            // tm behaviour: a ringing branch that times out is cancelled downstream
            sendCancel(branch);
        }
        ServerTransactionContext server = branch.server();
        if (server != null && server.isCancelled()) {
            complete(branch, synthesize(branch, SipProtocolConstants.REQUEST_TERMINATED, "Request Terminated"),
                    SipOutcome.LOCAL);
        } else {
            complete(branch, synthesize(branch, SipProtocolConstants.REQUEST_TIMEOUT, "Request Timeout"),
                    SipOutcome.TIMEOUT);
        }
    }

    /** Ends the branch with this response; false when it had already ended. */
    private boolean complete(ClientBranch branch, Response response, SipOutcome outcome) {
        if (!branch.finish()) {
            return false;
        }
        if (response.getStatusCode() / 100 == 2) {
            branch.markAnswered();
        }
        if (outcome == SipOutcome.TIMEOUT && runtime.overloadGuard().congestedSince(branch.startedNanos())) {
            // the answer may be waiting in our own receive queue: this timeout says nothing about the hop
            branch.markTimedOutInLocalOverload();
        }
        if (isReliable(branch.hop().getTransport())) {
            Set<ClientBranch> set = pendingByHop.get(Hops.key(branch.hop()));
            if (set != null) {
                set.remove(branch);
            }
        }
        if (branch.server() != null) {
            branch.server().setLastFinalResponse(response);
        }
        safely(() -> branch.listener().onFinal(branch, response, outcome));
        branch.releaseListener();
        if (!branch.isInvite() && branch.clientTransaction() != null) {
            // a non-INVITE client transaction absorbs retransmitted finals itself: nothing reaches
            // the branch again, and the lingering transaction need not keep its requests alive
            branch.clientTransaction().setApplicationData(null);
        }
        return true;
    }

    /** A response SipFlow makes up for a branch: to the forwarded request, so it carries our Via on top. */
    private Response synthesize(ClientBranch branch, int code, String reason) {
        try {
            Response response = runtime.messageFactory().createResponse(code, branch.request());
            response.setReasonPhrase(reason);
            ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
            if (to != null && to.getTag() == null) {
                to.setTag(branch.server() != null ? branch.server().localToTag() : "sf" + branchCounter.incrementAndGet());
            }
            return response;
        } catch (java.text.ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String toTag(Response response) {
        ToHeader to = (ToHeader) response.getHeader(ToHeader.NAME);
        return to == null ? null : to.getTag();
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.error("Route continuation failed", e);
        }
    }
}
