package io.sipflow.component.sip.stack;

import static io.sipflow.component.sip.SipProtocolConstants.hasMagicCookie;

import gov.nist.javax.sip.header.CSeq;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.function.Supplier;

/**
 * A message's transaction id, remembered with what it was computed from. JAIN-SIP's
 * {@code SIPMessage.getTransactionId()} copies the top Via's branch twice (upper-cased to test the
 * RFC 3261 magic cookie, lower-cased as the id) on every call, and the stack asks for it several
 * times per message (creating the server transaction, finding the client transaction of a
 * response, sending): 3 % of all allocation at 1,000 calls/s. With a magic-cookie branch the id
 * depends only on that branch and, for CANCEL, the CSeq method; the memo holds for exactly the same
 * top Via object, branch string and CSeq method (compared by identity, so any edit, and every
 * clone's copied headers, computes it again). RFC 2543 ids (no cookie) are never remembered (a memo
 * without a Via never matches).
 * Immutable: a racy read sees a whole memo or none.
 */
final class TransactionIdMemo {

    private final Via via;
    private final String branch;
    private final String method;
    private final String id;

    private TransactionIdMemo(Via via, String branch, String method, String id) {
        this.via = via;
        this.branch = branch;
        this.method = method;
        this.id = id;
    }

    /**
     * The memo to keep for the message: {@code memo} itself while it still describes the message,
     * else a new one with the id {@code compute} gives (JAIN-SIP's own computation).
     */
    static TransactionIdMemo refresh(TransactionIdMemo memo, SIPMessage message, Supplier<String> compute) {
        Via top = message.getTopmostVia();
        CSeq cseq = (CSeq) message.getCSeq();
        if (memo != null && memo.via != null && top == memo.via && top.getBranch() == memo.branch && cseq != null
                && cseq.getMethod() == memo.method) {
            return memo;
        }
        String id = compute.get();
        String branch = top == null ? null : top.getBranch();
        boolean rememberable = id != null && cseq != null && hasMagicCookie(branch);
        return rememberable ? new TransactionIdMemo(top, branch, cseq.getMethod(), id) : new TransactionIdMemo(null, null, null, id);
    }

    /** The transaction id. */
    String id() {
        return id;
    }
}
