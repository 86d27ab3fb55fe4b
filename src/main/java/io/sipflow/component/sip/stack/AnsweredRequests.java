package io.sipflow.component.sip.stack;

import static io.sipflow.component.sip.SipProtocolConstants.hasMagicCookie;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.stack.MessageChannel;
import gov.nist.javax.sip.stack.SIPServerTransaction;
import gov.nist.javax.sip.stack.UdpResend;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import javax.sip.message.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The final answers of non-INVITE requests received over UDP, kept for the wait timer
 * ({@code sipflow.sip.wait-timer}, Kamailio's {@code wt_timer}) to answer the request's
 * retransmissions (RFC 3261 §17.2.2, the "Completed" state) — the bytes sent and what a
 * retransmission must match, as Kamailio's tm keeps the reply buffer, instead of JAIN-SIP's whole
 * server transaction.
 *
 * <p>A completed JAIN-SIP server transaction kept lingering holds its transaction object, locks,
 * timer task, the request's matching headers and the answer: ~6 KB that every young collection
 * copied, 25,000 of them at 5,000 REGISTER/s (the heap's live set 240 MB, of which ~150 MB were
 * these; bench/results/session14-2026-12-08.txt). An entry here is the answer's bytes and ~150 bytes
 * more; the stack's own transaction ends 64 ms after its answer (its Timer J at the shortest tick).
 *
 * <p>Only requests whose branch carries RFC 3261's magic cookie are kept here: their retransmissions
 * are found by the transaction id (the branch) and matched by method and sent-by (§17.2.3). A
 * request of an RFC 2543 client keeps the stack's lingering transaction, which matches it against
 * the original request's headers.
 */
public final class AnsweredRequests {

    private static final Logger LOG = LoggerFactory.getLogger(AnsweredRequests.class);

    private final long keepNanos;
    private final LongAdder answeredRetransmissions;
    private final Map<String, Answer> byTransactionId = new ConcurrentHashMap<>();
    /** In the order they were kept, which is the order they expire in (one wait timer for all). */
    private final Queue<Answer> expiries = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean forgetting = new AtomicBoolean();

    private record Answer(String transactionId, String method, String sentByHost, int sentByPort, byte[] bytes,
            long expiresNanos) {
    }

    /**
     * @param keep                     how long an answer is kept (the wait timer)
     * @param answeredRetransmissions  counts the retransmissions answered from here
     */
    public AnsweredRequests(Duration keep, LongAdder answeredRetransmissions) {
        this.keepNanos = keep.toNanos();
        this.answeredRetransmissions = answeredRetransmissions;
    }

    /**
     * Whether the answer of this server transaction's request is kept here rather than by the
     * transaction lingering: a non-INVITE request (not a CANCEL, which its INVITE's transaction
     * handles) received over UDP with an RFC 3261 branch.
     */
    public static boolean keepsAnswerOf(SIPServerTransaction transaction) {
        if (transaction.isReliable() || !(transaction.getRequest() instanceof SIPRequest request)) {
            return false;
        }
        String method = request.getMethod();
        return !Request.INVITE.equals(method) && !Request.CANCEL.equals(method) && !Request.ACK.equals(method)
                && hasMagicCookie(transaction.getBranch());
    }

    /** Keeps the final answer sent to {@code request} (encoded as sent) for the wait timer. */
    public void keep(SIPRequest request, byte[] answer) {
        Via via = request.getTopmostVia();
        if (via == null || answer == null) {
            return;
        }
        long now = System.nanoTime();
        forgetExpired(now);
        Answer kept = new Answer(request.getTransactionId(), request.getMethod(), via.getHost(), via.getPort(), answer,
                now + keepNanos);
        byTransactionId.put(kept.transactionId(), kept);
        expiries.add(kept);
    }

    /**
     * Answers {@code request} again when it retransmits a request answered within the wait timer:
     * the same bytes, to where the first answer went (RFC 3261 §18.2.2 with RFC 3581's rport). Returns
     * whether it was such a retransmission (then it goes no further).
     */
    public boolean answerRetransmission(SIPRequest request, MessageChannel channel) {
        if (byTransactionId.isEmpty() || Request.ACK.equals(request.getMethod())) {
            return false;
        }
        Answer answer = byTransactionId.get(request.getTransactionId());
        if (answer == null || answer.expiresNanos() - System.nanoTime() <= 0 || !matches(answer, request)) {
            return false;
        }
        answeredRetransmissions.increment();
        Via via = request.getTopmostVia();
        try {
            UdpResend.send(channel, answer.bytes(), responseAddress(via, channel), responsePort(via));
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not answer a retransmission again: {}", e.toString());
        }
        return true;
    }

    /** How many answers are kept (expired ones included until the next {@link #keep}). */
    public int size() {
        return byTransactionId.size();
    }

    private static boolean matches(Answer answer, SIPRequest request) {
        Via via = request.getTopmostVia();
        return via != null && answer.method().equals(request.getMethod()) && answer.sentByPort() == via.getPort()
                && answer.sentByHost().equalsIgnoreCase(via.getHost());
    }

    /**
     * RFC 3261 §18.2.2 for unreliable unicast: maddr, else received, else the sent-by host — with no
     * name look-up on a SIP thread: the stack's {@code received} is the datagram's source, whose
     * address the channel has; another IP literal is parsed; a host name (an maddr or sent-by the
     * stack did not mark received) is answered at the datagram's source instead.
     */
    private static InetAddress responseAddress(Via via, MessageChannel channel) throws IOException {
        String host = via.getMAddr() != null ? via.getMAddr() : via.getReceived() != null ? via.getReceived() : via.getHost();
        InetAddress source = channel.getPeerPacketSourceAddress();
        if (source != null && host.equals(source.getHostAddress())) {
            return source;
        }
        return isIpLiteral(host) || source == null ? InetAddress.getByName(host) : source;
    }

    /** Dotted digits or an IPv6 form: {@link InetAddress#getByName} parses these without a look-up. */
    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return !host.isEmpty();
    }

    /** RFC 3581's rport when present, else the sent-by port, else 5060. */
    private static int responsePort(Via via) {
        int port = via.getRPort();
        if (port <= 0) {
            port = via.getPort();
        }
        return port <= 0 ? 5060 : port;
    }

    /** One thread at a time takes the expired answers off the head (the others go on). */
    private void forgetExpired(long now) {
        if (!forgetting.compareAndSet(false, true)) {
            return;
        }
        try {
            Answer head;
            while ((head = expiries.peek()) != null && head.expiresNanos() - now <= 0) {
                expiries.poll();
                byTransactionId.remove(head.transactionId(), head);
            }
        } finally {
            forgetting.set(false);
        }
    }
}
