package io.sipflow.module.events;

import io.sipflow.module.events.EventSpool.Position;

import java.util.ArrayList;
import java.util.List;

/**
 * The newest durable events of the spool, kept in memory (a ring of a fixed number of events) so
 * that a sink which keeps up reads them from here instead of reading, splitting and decoding the
 * segment file again. A sink that fell further behind than the ring (an outage, a restart) reads
 * the file as before. Only events already forced to disk are added, so what a sink takes from here
 * is exactly what it would have read from the file, ending at the same position.
 */
final class RecentEvents {

    private final SpooledEvent[] events;
    private final Position[] ends;
    /** Sequence number of the oldest event in the ring; the ring holds firstSeq .. firstSeq+size-1. */
    private long firstSeq;
    private int size;

    RecentEvents(int capacity) {
        this.events = new SpooledEvent[capacity];
        this.ends = new Position[capacity];
    }

    /** What a sink takes from the ring: the events, where they end in the spool, the last sequence number. */
    record Slice(List<SpooledEvent> events, Position end, long lastSeq) {
    }

    /** Adds the event that ends at {@code end}; sequence numbers must follow on (else the ring starts over). */
    synchronized void add(SpooledEvent event, Position end) {
        if (size > 0 && event.seq() != firstSeq + size) {
            size = 0;
        }
        if (size == 0) {
            firstSeq = event.seq();
        }
        int capacity = events.length;
        if (size == capacity) {
            firstSeq++;
            size--;
        }
        int slot = (int) ((firstSeq + size) % capacity);
        events[slot] = event;
        ends[slot] = end;
        size++;
    }

    /**
     * Up to {@code max} events after {@code seq}, or null when the event following {@code seq} is not
     * in the ring (the caller reads the file).
     */
    synchronized Slice after(long seq, int max) {
        long next = seq + 1;
        if (size == 0 || next < firstSeq || next > firstSeq + size) {
            return null;
        }
        int count = (int) Math.min(max, firstSeq + size - next);
        if (count == 0) {
            return new Slice(List.of(), null, seq);
        }
        int capacity = events.length;
        List<SpooledEvent> slice = new ArrayList<>(count);
        for (long s = next; s < next + count; s++) {
            slice.add(events[(int) (s % capacity)]);
        }
        long last = next + count - 1;
        return new Slice(slice, ends[(int) (last % capacity)], last);
    }
}
