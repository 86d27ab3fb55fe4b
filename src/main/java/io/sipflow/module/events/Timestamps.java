package io.sipflow.module.events;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Event timestamps: UTC ISO-8601 with milliseconds, e.g. {@code 2026-11-23T22:55:21.042Z}. */
public final class Timestamps {

    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    public static String format(Instant instant) {
        return instant == null ? null : ofMillis(instant.toEpochMilli());
    }

    /**
     * Written digit by digit from the epoch day (no formatter: an event carries "now" and its
     * binding's expiry, and a {@code DateTimeFormatter} per timestamp was 2 % of the SIP threads'
     * CPU at 2,500 REGISTER/s); years outside 0001-9999 go through the formatter.
     */
    public static String ofMillis(long epochMillis) {
        long epochSecond = Math.floorDiv(epochMillis, 1000L);
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(epochSecond, 86_400L));
        int year = date.getYear();
        if (year < 1 || year > 9999) {
            return FORMAT.format(Instant.ofEpochMilli(epochMillis));
        }
        int secondOfDay = (int) Math.floorMod(epochSecond, 86_400L);
        char[] text = new char[24];
        digits(text, 0, year, 4);
        text[4] = '-';
        digits(text, 5, date.getMonthValue(), 2);
        text[7] = '-';
        digits(text, 8, date.getDayOfMonth(), 2);
        text[10] = 'T';
        digits(text, 11, secondOfDay / 3600, 2);
        text[13] = ':';
        digits(text, 14, secondOfDay / 60 % 60, 2);
        text[16] = ':';
        digits(text, 17, secondOfDay % 60, 2);
        text[19] = '.';
        digits(text, 20, (int) Math.floorMod(epochMillis, 1000L), 3);
        text[23] = 'Z';
        return new String(text);
    }

    /** {@code value} as {@code width} decimal digits (leading zeros) at {@code at}. */
    private static void digits(char[] text, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            text[i] = (char) ('0' + value % 10);
            value /= 10;
        }
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
