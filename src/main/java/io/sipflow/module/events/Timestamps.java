package io.sipflow.module.events;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Event timestamps: UTC ISO-8601 with milliseconds, e.g. {@code 2026-11-23T22:55:21.042Z}. */
public final class Timestamps {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    public static String format(Instant instant) {
        return instant == null ? null : FORMAT.format(instant);
    }

    public static String ofMillis(long epochMillis) {
        return FORMAT.format(Instant.ofEpochMilli(epochMillis));
    }

    /** Parses what {@link #format} wrote; null for null. */
    public static Instant parse(String text) {
        return text == null ? null : Instant.parse(text);
    }
}
