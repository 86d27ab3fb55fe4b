package io.sipflow.component.sip.proxy;

import gov.nist.javax.sip.RequestEventExt;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.stack.SIPServerTransaction;
import io.sipflow.component.sip.SipProtocolConstants;
import io.sipflow.component.sip.stack.AnsweredRequests;
import io.sipflow.component.sip.stack.LocalAddresses;
import io.sipflow.component.sip.stack.SipCounters;

import java.util.ListIterator;
import java.util.Locale;
import javax.sip.ClientTransaction;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionAlreadyExistsException;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.CallIdHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The one JAIN-SIP listener. Splits events the way SIP people think: initial request, in-dialog
 * request, CANCEL, ACK, response, timeout, transport error. Nothing thrown here ever reaches the
 * stack: every failure is answered (when it can be) and logged.
 */
public final class SipEventDispatcher implements SipListener {

    private static final Logger LOG = LoggerFactory.getLogger(SipEventDispatcher.class);
    public static final String MDC_CALL_ID = "callid";

    private final ProxyCore core;
    private final RequestRoutes routes;
    private final SipCounters counters;
    private final LocalAddresses local;
    /** Timer interval (ms) of non-INVITE server transactions: 64 of them make sipflow.sip.wait-timer. */
    private final int waitTimerTick;
    private volatile boolean accepting = true;

    public SipEventDispatcher(ProxyCore core, RequestRoutes routes) {
        this.core = core;
        this.routes = routes;
        this.counters = core.runtime().counters();
        this.local = core.runtime().localAddresses();
        this.waitTimerTick = (int) Math.max(1, core.runtime().settings().waitTimer().toMillis() / 64);
    }

    /** Stop taking new transactions (graceful shutdown): new requests get 503, in-flight ones finish. */
    public void stopAccepting() {
        accepting = false;
    }

    @Override
    public void processRequest(RequestEvent event) {
        Request request = event.getRequest();
        SipProvider provider = (SipProvider) event.getSource();
        counters.receivedRequests.increment();
        putCallId(request);
        try {
            String method = request.getMethod();
            if (Request.ACK.equals(method)) {
                onAck(event, provider);
            } else if (Request.CANCEL.equals(method)) {
                onCancel(event, provider);
            } else {
                onRequest(event, provider);
            }
        } catch (RuntimeException e) {
            LOG.error("Request handling failed", e);
        } finally {
            MDC.remove(MDC_CALL_ID);
        }
    }

    private void onRequest(RequestEvent event, SipProvider provider) {
        Request request = event.getRequest();
        Rejection rejection = RequestValidator.validate(request);
        // overload shedding happened before any transaction existed (SheddingValve); this is shutdown
        if (!accepting) {
            counters.shedRequests.increment();
            rejection = new Rejection(SipProtocolConstants.SERVICE_UNAVAILABLE, "Service Unavailable", "Retry-After", "5");
        }
        ServerTransaction stx = event.getServerTransaction();
        if (stx == null) {
            try {
                stx = provider.getNewServerTransaction(request);
            } catch (TransactionAlreadyExistsException e) {
                return; // a retransmission raced with the original: the transaction layer absorbs it
            } catch (Exception e) {
                LOG.info("No transaction for {}: {}", request.getMethod(), e.getMessage());
                return;
            }
        }
        keepOnlyForWaitTimer(stx);
        ServerTransactionContext ctx = newContext(event, provider, stx);
        stx.setApplicationData(ctx);
        if (rejection != null) {
            if (rejection.code() != SipProtocolConstants.SERVICE_UNAVAILABLE) {
                counters.rejectedRequests.increment();
                LOG.warn("Rejected {} from {}:{} with {}: {}", request.getMethod(), ctx.sourceIp(), ctx.sourcePort(),
                        rejection.code(), rejection.reason());
            }
            Response response = core.createResponse(ctx, rejection.code(), rejection.reason());
            addHeader(response, rejection.headerName(), rejection.headerValue());
            core.send(ctx, response);
            return;
        }
        ctx.awaitAnswer();
        core.runtime().overloadGuard().requestStarted();
        if (Request.INVITE.equals(request.getMethod())) {
            // RFC 3261 §16.2: answer 100 Trying at once so the caller stops retransmitting
            core.send(ctx, core.createResponse(ctx, SipProtocolConstants.TRYING, null));
        }
        preprocessRouteInformation(request);
        boolean inDialog = ((ToHeader) request.getHeader(ToHeader.NAME)).getTag() != null;
        if (!routes.route(ctx, inDialog)) {
            core.reply(ctx, SipProtocolConstants.SERVICE_UNAVAILABLE, "No Route");
        }
    }

    /**
     * A non-INVITE server transaction lingers 64 ticks of its timer after the final response (Timer
     * J); a tick of wait-timer/64 makes that the configured wait timer instead of the RFC's 32 s (the
     * tick only paces retransmissions of INVITE responses, which this does not touch). When
     * {@link AnsweredRequests} keeps the answer for the wait timer instead, the shortest tick ends the
     * transaction 64 ms after it.
     */
    private void keepOnlyForWaitTimer(ServerTransaction stx) {
        if (!Request.INVITE.equals(stx.getRequest().getMethod())) {
            boolean answerKept = stx instanceof SIPServerTransaction s && AnsweredRequests.keepsAnswerOf(s);
            try {
                stx.setRetransmitTimer(answerKept ? 1 : waitTimerTick);
            } catch (IllegalStateException e) {
                // the transaction's timer already runs (cannot happen before the first response): RFC default
            }
        }
    }

    private void onAck(RequestEvent event, SipProvider provider) {
        if (event.getServerTransaction() != null) {
            return; // ACK for a non-2xx final: hop by hop, absorbed by the transaction (RFC 3261 §17.2.1)
        }
        Request request = event.getRequest();
        if (RequestValidator.validate(request) != null || ((ToHeader) request.getHeader(ToHeader.NAME)).getTag() == null) {
            counters.rejectedRequests.increment();
            return; // an ACK is never answered
        }
        // ACK for a 2xx: end to end, forwarded statelessly along the Route set (RFC 3261 §16.11)
        preprocessRouteInformation(request);
        ServerTransactionContext ctx = newContext(event, provider, null);
        routes.route(ctx, true);
    }

    private void onCancel(RequestEvent event, SipProvider provider) {
        ServerTransaction cancelTx = event.getServerTransaction();
        if (cancelTx == null) {
            try {
                cancelTx = provider.getNewServerTransaction(event.getRequest());
            } catch (TransactionAlreadyExistsException e) {
                return;
            } catch (Exception e) {
                LOG.info("No transaction for CANCEL: {}", e.getMessage());
                return;
            }
        }
        keepOnlyForWaitTimer(cancelTx);
        ServerTransactionContext cancelCtx = newContext(event, provider, cancelTx);
        if (RequestValidator.validate(event.getRequest()) != null) {
            counters.rejectedRequests.increment();
            core.reply(cancelCtx, SipProtocolConstants.BAD_REQUEST, "Bad Request");
            return;
        }
        SIPServerTransaction invite = ((SIPServerTransaction) cancelTx).getCanceledInviteTransaction();
        if (invite == null || !(invite.getApplicationData() instanceof ServerTransactionContext inviteCtx)) {
            core.reply(cancelCtx, SipProtocolConstants.TRANSACTION_DOES_NOT_EXIST, "Call/Transaction Does Not Exist");
            return;
        }
        // RFC 3261 §16.10: CANCEL is answered hop by hop, then propagated to the pending branches
        core.reply(cancelCtx, SipProtocolConstants.OK, "OK");
        LOG.debug("CANCEL for INVITE with {} branch(es)", inviteCtx.branchCount());
        core.cancel(inviteCtx);
    }

    @Override
    public void processResponse(ResponseEvent event) {
        Response response = event.getResponse();
        putCallId(response);
        try {
            ClientTransaction tx = event.getClientTransaction();
            if (tx != null) {
                core.onResponse(tx, response);
            } else {
                forwardStray(response, (SipProvider) event.getSource());
            }
        } catch (RuntimeException e) {
            LOG.error("Response handling failed", e);
        } finally {
            MDC.remove(MDC_CALL_ID);
        }
    }

    /** A response with no transaction: a retransmitted 2xx to an INVITE we forwarded, or garbage. */
    private void forwardStray(Response response, SipProvider provider) {
        int code = response.getStatusCode();
        if (!ProxyCore.isOwnVia((ViaHeader) response.getHeader(ViaHeader.NAME), local) || code < 200 || code >= 300) {
            counters.strayResponses.increment();
            LOG.debug("Stray {} response dropped", code);
            return;
        }
        Response forwarded = (Response) response.clone();
        forwarded.removeFirst(ViaHeader.NAME);
        ViaHeader next = (ViaHeader) forwarded.getHeader(ViaHeader.NAME);
        if (next == null || isBroadcastOrMulticast(next.getReceived() != null ? next.getReceived() : next.getHost())) {
            counters.strayResponses.increment();
            return; // RFC 4475 §3.3.10: never send a response to a broadcast address
        }
        try {
            // RFC 3261 §16.7 step 5: retransmitted 2xx are relayed statelessly
            provider.sendResponse(forwarded);
        } catch (Exception e) {
            LOG.debug("Stray 2xx forward failed: {}", e.getMessage());
        }
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        if (!event.isServerTransaction() && event.getClientTransaction() != null) {
            core.onTimeout(event.getClientTransaction());
        }
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        LOG.info("Transport error toward {}:{}/{}", event.getHost(), event.getPort(), event.getTransport());
        core.onTransportError(event.getHost(), event.getPort(), event.getTransport().toLowerCase(Locale.ROOT));
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {
        // nothing held per transaction outside its application data; a request that ended without
        // an answer (none is expected) stops counting as in flight
        if (event.isServerTransaction() && event.getServerTransaction() != null
                && event.getServerTransaction().getApplicationData() instanceof ServerTransactionContext ctx && ctx.answered()) {
            core.runtime().overloadGuard().requestAnswered();
        }
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        // a proxy keeps no dialogs
    }

    /**
     * RFC 3261 §16.4: a Route naming us is removed before routing; a strict-routing previous hop
     * put our Record-Route URI into the R-URI, then the real target is the last Route value.
     */
    private void preprocessRouteInformation(Request request) {
        URI requestUri = request.getRequestURI();
        if (requestUri instanceof SipURI sip && sip.hasLrParam() && local.isLocal(sip.getHost(), sip.getPort())) {
            ListIterator<?> routes = request.getHeaders(RouteHeader.NAME);
            RouteHeader last = null;
            while (routes.hasNext()) {
                last = (RouteHeader) routes.next();
            }
            if (last != null) {
                request.setRequestURI(last.getAddress().getURI());
                ((SIPRequest) request).getRouteHeaders().remove(last);
            }
        }
        RouteHeader top = (RouteHeader) request.getHeader(RouteHeader.NAME);
        if (top != null && top.getAddress().getURI() instanceof SipURI sip && local.isLocal(sip.getHost(), sip.getPort())) {
            request.removeFirst(RouteHeader.NAME);
        }
    }

    private ServerTransactionContext newContext(RequestEvent event, SipProvider provider, ServerTransaction stx) {
        Request request = event.getRequest();
        String ip;
        int port;
        if (event instanceof RequestEventExt ext && ext.getRemoteIpAddress() != null) {
            ip = ext.getRemoteIpAddress();
            port = ext.getRemotePort();
        } else {
            SIPRequest sipRequest = (SIPRequest) request;
            ip = sipRequest.getPeerPacketSourceAddress() != null ? sipRequest.getPeerPacketSourceAddress().getHostAddress() : "";
            port = sipRequest.getPeerPacketSourcePort();
        }
        ViaHeader top = (ViaHeader) request.getHeader(ViaHeader.NAME);
        String transport = top == null ? "udp" : top.getTransport().toLowerCase(Locale.ROOT);
        ListeningPoint lp = provider.getListeningPoint(transport);
        String localSocket = lp == null ? transport : transport + ":" + lp.getIPAddress() + ":" + lp.getPort();
        return new ServerTransactionContext(provider, stx, request, ip, port, transport, localSocket);
    }

    private void addHeader(Response response, String name, String value) {
        if (name == null) {
            return;
        }
        try {
            response.addHeader(core.runtime().headerFactory().createHeader(name, value));
        } catch (java.text.ParseException e) {
            LOG.debug("Cannot add {} header", name);
        }
    }

    private static boolean isBroadcastOrMulticast(String host) {
        if (host == null) {
            return true;
        }
        if (host.equals("255.255.255.255")) {
            return true;
        }
        int dot = host.indexOf('.');
        if (dot > 0) {
            try {
                int first = Integer.parseInt(host.substring(0, dot));
                return first >= 224 && first <= 239;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return false;
    }

    private static void putCallId(javax.sip.message.Message message) {
        CallIdHeader callId = (CallIdHeader) message.getHeader(CallIdHeader.NAME);
        if (callId != null) {
            MDC.put(MDC_CALL_ID, callId.getCallId());
        }
    }
}
