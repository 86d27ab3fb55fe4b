package io.sipflow.component.sip.stack;

import gov.nist.javax.sip.message.SIPRequest;

/**
 * A request SipFlow's parser built (and every clone of one, such as a relayed copy): JAIN-SIP's
 * {@link SIPRequest} that computes its transaction id once per top Via ({@link TransactionIdMemo}).
 * Everything else, encoding and equality included, is SIPRequest's, except that
 * {@code SIPMessage.equals} takes only a message of the same class as equal.
 */
public final class ParsedRequest extends SIPRequest {

    private static final long serialVersionUID = 1L;

    private transient TransactionIdMemo transactionId;

    @Override
    public String getTransactionId() {
        TransactionIdMemo memo = TransactionIdMemo.refresh(transactionId, this, super::getTransactionId);
        transactionId = memo;
        return memo.id();
    }
}
