package io.sipflow.component.sip.stack;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * Counters of the SIP layer that no route sees: bad input and messages dropped by the proxy core.
 * The statistics module exports them as meters.
 */
public final class SipCounters {

    /** Messages the parser could not read (answered 400 by the stack when possible, else dropped). */
    public final LongAdder unparseableMessages = new LongAdder();
    /** Parsed requests refused by the sanity checks (400, 416, 420, 505 ...). */
    public final LongAdder rejectedRequests = new LongAdder();
    /** Responses that matched no transaction and were not ours to forward. */
    public final LongAdder strayResponses = new LongAdder();
    /** Retransmitted requests answered again from the kept answer of their completed transaction. */
    public final LongAdder answeredRetransmissions = new LongAdder();
    /** Requests received (initial and in-dialog), ACKs and CANCELs included. */
    public final LongAdder receivedRequests = new LongAdder();
    /** Requests forwarded to a next hop. */
    public final LongAdder forwardedRequests = new LongAdder();
    /** New requests refused with 503 + Retry-After: load shedding (or SipFlow stopping). */
    public final LongAdder shedRequests = new LongAdder();
    /** Datagrams dropped unread from the receive queue after waiting longer than sipflow.sip.overload.drop-after. */
    public final LongAdder staleDrops = new LongAdder();
    /** Final replies sent on server transactions, by class: index 1..6 = 1xx..6xx (index 0 unused). */
    public final LongAdder[] finalRepliesByClass = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder(),
        new LongAdder(), new LongAdder(), new LongAdder()};
    /** Told the nanoseconds from request received to final reply sent (the statistics module sets it). */
    private volatile LongConsumer transactionLatency = nanos -> { };

    /** A final reply was sent on a server transaction received {@code nanos} ago. */
    public void finalReply(int code, long nanos) {
        int cls = code / 100;
        if (cls >= 1 && cls <= 6) {
            finalRepliesByClass[cls].increment();
        }
        transactionLatency.accept(nanos);
    }

    public void onTransactionLatency(LongConsumer consumer) {
        this.transactionLatency = consumer;
    }
}
