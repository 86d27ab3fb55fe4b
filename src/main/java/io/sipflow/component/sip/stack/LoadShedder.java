package io.sipflow.component.sip.stack;

import gov.nist.javax.sip.header.RetryAfter;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPTransactionStack;

import java.net.InetAddress;
import java.util.concurrent.ThreadLocalRandom;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sheds new requests the {@link OverloadGuard} refuses, as cheaply as the stack allows: called by
 * {@link SheddingValve} before JAIN-SIP looks up or creates a server transaction, it answers
 * {@code 503 Overloaded} with {@code Retry-After} statelessly (Kamailio's {@code sl_send_reply}) on
 * the channel the request came in on, and the request goes no further (no transaction, no listener,
 * no route). Only initial requests are shed: never ACK, CANCEL, or anything with a To tag (a BYE
 * ends a call and frees capacity), and never the retransmission of a request already taken in
 * (its transaction answers it). A retransmission of a shed request gets the 503 again; the ACK for
 * a shed INVITE's 503 (recognised by our To tag) is absorbed.
 */
final class LoadShedder {

    private static final Logger LOG = LoggerFactory.getLogger(LoadShedder.class);
    static final String REASON = "Overloaded";
    /** To tag of every shed 503: a retransmission gets the same tag, and the ACK for it is ours to absorb. */
    static final String TAG_PREFIX = "sfshed";
    private static final int SERVICE_UNAVAILABLE = 503;

    private final OverloadGuard guard;
    private final SipCounters counters;
    private final SIPTransactionStack stack;
    private final RecentlyShed recentlyShed = new RecentlyShed(16_384);

    LoadShedder(OverloadGuard guard, SipCounters counters, SIPTransactionStack stack) {
        this.guard = guard;
        this.counters = counters;
        this.stack = stack;
    }

    /** @return true when the stack goes on with the request, false when it was answered (or absorbed) here */
    boolean pass(SIPRequest request, MessageChannel channel) {
        String method = request.getMethod();
        if (Request.ACK.equals(method)) {
            return !isAckForShedReply(request);
        }
        if (Request.CANCEL.equals(method) || request.getToTag() != null) {
            return true;
        }
        String transactionId = request.getTransactionId();
        long now = System.nanoTime();
        if (!recentlyShed.contains(transactionId, now)) {
            if (guard.admitsEverything() || stack.findTransaction(transactionId, true) != null || guard.admit(now)) {
                return true;
            }
            recentlyShed.remember(transactionId, now);
        }
        counters.receivedRequests.increment();
        counters.shedRequests.increment();
        reply503(request, channel, transactionId);
        return false;
    }

    private boolean isAckForShedReply(SIPRequest ack) {
        String tag = ack.getToTag();
        if (tag == null || !tag.startsWith(TAG_PREFIX)) {
            return false;
        }
        counters.receivedRequests.increment();
        return true; // RFC 3261 §17.2.1: the ACK for a non-2xx final is hop by hop; we sent that 503
    }

    private void reply503(SIPRequest request, MessageChannel channel, String transactionId) {
        try {
            SIPResponse response = request.createResponse(SERVICE_UNAVAILABLE, REASON);
            response.getTo().setTag(TAG_PREFIX + Integer.toHexString(transactionId.hashCode()));
            RetryAfter retryAfter = new RetryAfter();
            int spread = guard.settings().retryAfterSpread();
            retryAfter.setRetryAfter(guard.settings().retryAfter()
                    + (spread > 0 ? ThreadLocalRandom.current().nextInt(spread + 1) : 0));
            response.setHeader(retryAfter);
            if ("UDP".equalsIgnoreCase(channel.getTransport())) {
                // RFC 3261 §18.2.2 / RFC 3581: to the source address, to rport when asked, else the Via port
                Via via = request.getTopmostVia();
                int port = via.getRPort() > 0 ? via.getRPort() : via.getPort() > 0 ? via.getPort() : 5060;
                InetAddress source = channel.getPeerPacketSourceAddress();
                if (source != null) {
                    channel.sendMessage(response, source, port);
                }
            } else {
                channel.sendMessage(response); // on the connection the request came in on
            }
        } catch (Exception e) {
            LOG.debug("Shed 503 not sent: {}", e.toString());
        }
    }
}
