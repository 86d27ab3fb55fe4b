package io.sipflow.component.sip.stack;

import gov.nist.javax.sip.message.SIPResponse;

import java.util.Objects;

/**
 * A response SipFlow's parser built, i.e. every response relayed from a next hop: JAIN-SIP's
 * {@link SIPResponse} that computes its transaction id once per top Via ({@link TransactionIdMemo})
 * and that a server transaction encodes once per send ({@link #sendEncodingOnce}). Everything else,
 * encoding and equality included, is SIPResponse's, except that {@code SIPMessage.equals} takes
 * only a message of the same class as equal.
 */
public final class ParsedResponse extends SIPResponse {

    private static final long serialVersionUID = 1L;

    /** A send of a response that may throw what JAIN-SIP's send methods throw. */
    @FunctionalInterface
    public interface Send {
        void run() throws Exception;
    }

    private transient TransactionIdMemo transactionId;

    // only the sending thread touches these, and only inside sendEncodingOnce
    private transient boolean keepEncoding;
    private transient String keptTransport;
    private transient byte[] kept;

    @Override
    public String getTransactionId() {
        TransactionIdMemo memo = TransactionIdMemo.refresh(transactionId, this, super::getTransactionId);
        transactionId = memo;
        return memo.id();
    }

    /**
     * Runs {@code send} (a server transaction's {@code sendResponse}) with this response encoded at
     * most once per transport: JAIN-SIP's server transaction encodes a response to send it and then
     * again to keep the bytes for retransmissions, with nothing changing the response in between
     * (6.5 % of all allocation at 1,000 calls/s). Outside the send every encoding is fresh, so an
     * edit before or after it is always seen. Any other response is sent as it is.
     *
     * @return the bytes the send encoded (the last encoding, for a retransmission), or null for any
     *         other response or when the send encoded nothing
     */
    public static byte[] sendEncodingOnce(Object response, Send send) throws Exception {
        if (!(response instanceof ParsedResponse parsed)) {
            send.run();
            return null;
        }
        parsed.keepEncoding = true;
        try {
            send.run();
            return parsed.kept;
        } finally {
            parsed.keepEncoding = false;
            parsed.kept = null;
            parsed.keptTransport = null;
        }
    }

    @Override
    public byte[] encodeAsBytes(String transport) {
        if (!keepEncoding) {
            return super.encodeAsBytes(transport);
        }
        if (kept != null && Objects.equals(transport, keptTransport)) {
            return kept;
        }
        byte[] bytes = super.encodeAsBytes(transport);
        kept = bytes;
        keptTransport = transport;
        return bytes;
    }
}
