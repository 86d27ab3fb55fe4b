package io.sipflow.module.events;

/**
 * One line of the spool, as a sink reads it back: {@code seq TAB appended-ms TAB type TAB key TAB json}.
 *
 * @param seq        position in the spool, increasing by one per event
 * @param appendedAt when it was written to the spool, epoch ms (for the spool age)
 * @param type       the event type, null when the line is malformed
 * @param key        the Kafka record key
 * @param json       the event as JSON (the raw line when malformed)
 * @param problem    why the line is malformed, null when it is fine
 */
public record SpooledEvent(long seq, long appendedAt, EventType type, String key, String json, String problem) {

    /** The spool line of an event (without the trailing newline). */
    static String line(long seq, long appendedAt, EventType type, String key, String json) {
        return seq + "\t" + appendedAt + "\t" + type.wireName() + "\t" + sanitize(key) + "\t" + json;
    }

    /** Parses a spool line; a malformed one comes back with its {@link #problem}. */
    static SpooledEvent parse(String line) {
        String[] parts = line.split("\t", 5);
        if (parts.length != 5) {
            return new SpooledEvent(-1, 0, null, null, line, "malformed spool line: " + parts.length + " field(s) instead of 5");
        }
        long seq;
        long at;
        try {
            seq = Long.parseLong(parts[0]);
            at = Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            return new SpooledEvent(-1, 0, null, null, line, "malformed spool line: sequence or time is not a number");
        }
        EventType type = EventType.fromWireName(parts[2]);
        if (type == null) {
            return new SpooledEvent(seq, at, null, parts[3], parts[4], "unknown event type '" + parts[2] + "'");
        }
        return new SpooledEvent(seq, at, type, parts[3], parts[4], null);
    }

    public boolean malformed() {
        return problem != null;
    }

    /** The key as the spool line holds it: tabs and line breaks become spaces, null becomes empty. */
    static String sanitize(String key) {
        if (key == null) {
            return "";
        }
        return key.indexOf('\t') < 0 && key.indexOf('\n') < 0 && key.indexOf('\r') < 0 ? key
                : key.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
