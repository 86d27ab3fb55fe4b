package io.sipflow.app;

import java.time.Duration;
import java.util.Locale;
import org.apache.camel.CamelContext;
import org.apache.camel.util.TimeUtils;

/** Typed reads of {@code sipflow.*} properties; a bad value fails with the key's name. */
public final class Settings {

    private final CamelContext context;

    public Settings(CamelContext context) {
        this.context = context;
    }

    public String string(String key, String fallback) {
        return context.getPropertiesComponent().resolveProperty(key).map(String::trim).filter(s -> !s.isEmpty())
                .orElse(fallback);
    }

    public int integer(String key, int fallback) {
        String v = string(key, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid " + key + " '" + v + "': expected a whole number");
        }
    }

    /** {@code true} or {@code false} (any case); anything else fails naming the key. */
    public boolean bool(String key, boolean fallback) {
        String v = string(key, null);
        if (v == null) {
            return fallback;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException("Invalid " + key + " '" + v + "': expected true or false");
    }

    public Duration duration(String key, Duration fallback) {
        String v = string(key, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Duration.ofMillis(TimeUtils.toMilliSeconds(v));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid " + key + " '" + v + "': expected e.g. 5s, 500ms, 2m");
        }
    }

    public <E extends Enum<E>> E enumValue(String key, Class<E> type, E fallback) {
        String v = string(key, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            StringBuilder allowed = new StringBuilder();
            for (E c : type.getEnumConstants()) {
                allowed.append(allowed.length() == 0 ? "" : ", ").append(c.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
            throw new IllegalArgumentException("Invalid " + key + " '" + v + "': expected one of " + allowed);
        }
    }
}
