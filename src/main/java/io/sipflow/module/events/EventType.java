package io.sipflow.module.events;

import java.util.Locale;

/** The three event streams; each has its own Kafka topic and MySQL table(s). */
public enum EventType {
    CDR,
    REGISTRATION,
    STATS;

    /** {@code cdr}, {@code registration}, {@code stats}: the name in the spool and in properties. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type with this wire name, or null when none. */
    public static EventType fromWireName(String name) {
        for (EventType t : values()) {
            if (t.wireName().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
