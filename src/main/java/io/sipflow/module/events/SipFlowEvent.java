package io.sipflow.module.events;

/**
 * An event SipFlow emits: a {@link CdrEvent}, a {@link RegistrationEvent} or a {@link StatsEvent}.
 * Each becomes one Kafka record (topic by {@link #type()}, key {@link #key()}) and one MySQL row,
 * made idempotent by {@link #eventId()}.
 */
public sealed interface SipFlowEvent permits CdrEvent, RegistrationEvent, StatsEvent {

    /** Version of the JSON shape ({@code schema_version}); bumped on an incompatible change. */
    int SCHEMA_VERSION = 1;

    /** {@code cdr}, {@code registration} or {@code stats}: picks the topic and the table. */
    EventType type();

    /** Kafka record key: Call-ID for CDRs, AoR for registration events, node name for stats. */
    String key();

    /** Unique and stable id: a replay of the same event carries the same id (idempotent inserts). */
    String eventId();
}
