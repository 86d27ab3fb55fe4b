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

    /** The text up to the seconds of the last second formatted, e.g. {@code 2026-11-23T22:55:21.}. */
    private record Second(long epochSecond, String prefix) {
    }

    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, "");

    public static String format(Instant instant) {
        return instant == null ? null : ofMillis(instant.toEpochMilli());
    }

    /**
     * Events are stamped thousands of times per second, mostly within the same second: the
     * formatter runs once per second, the milliseconds are appended (a formatter per event was
     * 2 % of the SIP threads' CPU at 2,500 REGISTER/s).
     */
    public static String ofMillis(long epochMillis) {
        long epochSecond = Math.floorDiv(epochMillis, 1000L);
        Second second = lastSecond;
        if (second.epochSecond() != epochSecond) {
            String text = FORMAT.format(Instant.ofEpochSecond(epochSecond));
            second = new Second(epochSecond, text.substring(0, text.length() - "000Z".length()));
            lastSecond = second;
        }
        int millis = (int) Math.floorMod(epochMillis, 1000L);
        return new StringBuilder(24).append(second.prefix())
                .append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10))
                .append('Z').toString();
    }

    /** Parses what {@link #format} wrote; null for null. */
    public static Instant parse(String text) {
        return text == null ? null : Instant.parse(text);
    }

    /**
     * The SQL DATETIME text of an event timestamp, in UTC: {@code 2026-11-23 22:55:21.042} with
     * {@code millis}, else cut to the second ({@code 2026-11-23 22:55:21}); null for null. What
     * {@link #format} wrote is cut out of the text as it is (the CDR sink does this a few times per
     * event: {@link Instant#parse} showed in its profile); other ISO-8601 forms are parsed.
     *
     * @throws java.time.format.DateTimeParseException when the text is no ISO-8601 instant
     */
    public static String toSqlDateTime(String iso, boolean millis) {
        if (iso == null) {
            return null;
        }
        if (isCanonical(iso)) {
            return iso.substring(0, 10) + ' ' + iso.substring(11, millis ? 23 : 19);
        }
        return (millis ? SQL_MILLIS : SQL_SECONDS).format(Instant.parse(iso));
    }

    private static final DateTimeFormatter SQL_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter SQL_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);
    private static final String CANONICAL = "dddd-dd-ddTdd:dd:dd.dddZ";

    /** Has the exact shape {@link #format} writes, with fields in range (month 01-12, hour 00-23...). */
    private static boolean isCanonical(String s) {
        if (s.length() != CANONICAL.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char want = CANONICAL.charAt(i);
            char c = s.charAt(i);
            if (want == 'd' ? c < '0' || c > '9' : c != want) {
                return false;
            }
        }
        return between(s, 5, 1, 12) && between(s, 8, 1, 31) && between(s, 11, 0, 23) && between(s, 14, 0, 59)
                && between(s, 17, 0, 59);
    }

    private static boolean between(String s, int at, int min, int max) {
        int v = (s.charAt(at) - '0') * 10 + (s.charAt(at + 1) - '0');
        return v >= min && v <= max;
    }
}
