package io.sipflow.module.events;

import io.sipflow.module.events.EventSpool.Position;

import java.util.ArrayList;
import java.util.List;

/**
 * The newest durable events of the spool, kept in memory (a ring of a fixed number of events) so
 * that a sink which keeps up reads them from here instead of reading, splitting and decoding the
 * segment file again. A sink that fell further behind than the ring (an outage, a restart) reads
 * the file as before. Only events already forced to disk are added, so what a sink takes from here
 * is exactly what it would have read from the file, ending at the same position. Bounded by a number
 * of events and by the characters of their JSON, whichever is reached first (a stats snapshot can be
 * a few hundred KB where a CDR is under one).
 */
final class RecentEvents {

    private final SpooledEvent[] events;
    private final Position[] ends;
    private final long maxChars;
    private long chars;
    /** Sequence number of the oldest event in the ring; the ring holds firstSeq .. firstSeq+size-1. */
    private long firstSeq;
    private int size;

    RecentEvents(int capacity, long maxChars) {
        this.events = new SpooledEvent[capacity];
        this.ends = new Position[capacity];
        this.maxChars = maxChars;
    }

    /** What a sink takes from the ring: the events, where they end in the spool, the last sequence number. */
    record Slice(List<SpooledEvent> events, Position end, long lastSeq) {
    }

    /** Adds the event that ends at {@code end}; sequence numbers must follow on (else the ring starts over). */
    synchronized void add(SpooledEvent event, Position end) {
        if (size > 0 && event.seq() != firstSeq + size) {
            clear();
        }
        if (size == 0) {
            firstSeq = event.seq();
        }
        int capacity = events.length;
        while (size > 0 && (size == capacity || chars + event.json().length() > maxChars)) {
            evictOldest();
        }
        if (event.json().length() > maxChars) {
            return; // larger than the whole budget: sinks read it from the file
        }
        int slot = (int) ((firstSeq + size) % capacity);
        events[slot] = event;
        ends[slot] = end;
        chars += event.json().length();
        size++;
    }

    private void evictOldest() {
        int slot = (int) (firstSeq % events.length);
        chars -= events[slot].json().length();
        events[slot] = null;
        ends[slot] = null;
        firstSeq++;
        size--;
    }

    private void clear() {
        while (size > 0) {
            evictOldest();
        }
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
