package io.sipflow.component.sip.stack;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** One socket SipFlow listens on: {@code transport:host:port}, e.g. {@code udp:0.0.0.0:5060}. */
public record ListenAddress(String transport, String host, int port) {

    private static final Set<String> TRANSPORTS = Set.of("udp", "tcp");

    /**
     * Parses a comma-separated list such as {@code udp:0.0.0.0:5060,tcp:0.0.0.0:5060}; IPv6 hosts
     * go in brackets ({@code udp:[::1]:5060}).
     *
     * @param propertyName named in the error so a bad value points at the key to fix
     */
    public static List<ListenAddress> parseList(String value, String propertyName) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(propertyName + " is empty: expected e.g. udp:0.0.0.0:5060,tcp:0.0.0.0:5060");
        }
        List<ListenAddress> result = new ArrayList<>();
        for (String item : value.split(",")) {
            String spec = item.trim();
            if (!spec.isEmpty()) {
                result.add(parse(spec, propertyName));
            }
        }
        if (result.isEmpty()) {
            throw new IllegalArgumentException(propertyName + " names no socket: '" + value + "'");
        }
        return List.copyOf(result);
    }

    static ListenAddress parse(String spec, String propertyName) {
        int firstColon = spec.indexOf(':');
        int lastColon = spec.lastIndexOf(':');
        if (firstColon <= 0 || lastColon == firstColon) {
            throw bad(spec, propertyName, "expected transport:host:port");
        }
        String transport = spec.substring(0, firstColon).toLowerCase(Locale.ROOT);
        if (!TRANSPORTS.contains(transport)) {
            throw bad(spec, propertyName, "transport must be udp or tcp");
        }
        String host = spec.substring(firstColon + 1, lastColon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw bad(spec, propertyName, "host is empty");
        }
        int port;
        try {
            port = Integer.parseInt(spec.substring(lastColon + 1));
        } catch (NumberFormatException e) {
            throw bad(spec, propertyName, "port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw bad(spec, propertyName, "port out of range");
        }
        return new ListenAddress(transport, host, port);
    }

    private static IllegalArgumentException bad(String spec, String propertyName, String why) {
        return new IllegalArgumentException("Invalid " + propertyName + " entry '" + spec + "': " + why);
    }

    @Override
    public String toString() {
        return transport + ":" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
