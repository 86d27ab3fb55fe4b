package io.sipflow.component.sip.stack;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The transactions answered 503 statelessly in the last 32 s (64 x T1, as long as a client
 * retransmits a request), so that a retransmission gets the same 503 even if the overload ended or
 * a token came free meanwhile. A fixed array indexed by the transaction id's hash: remembering
 * allocates one small entry and never grows; a newer entry overwrites an older one in its slot (that
 * retransmission is then simply judged again like a new request).
 */
final class RecentlyShed {

    static final long TTL_NANOS = TimeUnit.SECONDS.toNanos(32);

    private record Entry(String transactionId, long expiresNanos) {
    }

    private final AtomicReferenceArray<Entry> slots;
    private final int mask;

    /** @param capacity slots, rounded up to a power of two */
    RecentlyShed(int capacity) {
        int size = Integer.highestOneBit(Math.max(2, capacity - 1)) << 1;
        this.slots = new AtomicReferenceArray<>(size);
        this.mask = size - 1;
    }

    void remember(String transactionId, long nowNanos) {
        slots.set(slot(transactionId), new Entry(transactionId, nowNanos + TTL_NANOS));
    }

    boolean contains(String transactionId, long nowNanos) {
        Entry e = slots.get(slot(transactionId));
        return e != null && e.expiresNanos() - nowNanos > 0 && e.transactionId().equals(transactionId);
    }

    private int slot(String transactionId) {
        int h = transactionId.hashCode();
        return (h ^ (h >>> 16)) & mask;
    }
}
