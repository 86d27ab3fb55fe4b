package io.sipflow.module.events;

/**
 * Where modules hand their events: the Camel registry holds one as bean {@code events}. Get it with
 * {@code context.getRegistry().lookupByNameAndType("events", EventPublisher.class)} (or a
 * constructor argument wired in {@code SipFlowModules}).
 *
 * <p>{@link #publish} is safe to call from SIP threads: it never blocks and never throws. The event
 * is queued in memory, appended to the durable spool by the spool writer thread (fsync'd in
 * groups), and delivered from there to Kafka and MySQL by the routes of {@code events.camel.yaml}.
 * An event that fails validation (e.g. a CDR without Call-ID) goes to the dead-letter file with
 * its reason. Only when the in-memory queue is full (the disk cannot keep up) is an event dropped:
 * counted as {@code events_dropped} and logged.
 */
public interface EventPublisher {

    /** Queues the event for delivery; returns at once. */
    void publish(SipFlowEvent event);

    /** A publisher that discards everything (events disabled, unit tests). */
    EventPublisher NONE = event -> { };
}
