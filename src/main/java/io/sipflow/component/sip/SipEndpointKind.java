package io.sipflow.component.sip;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The path of a {@code sip:} URI: what the endpoint does. */
public enum SipEndpointKind {
    /** Consumer: initial requests (no To tag) — Kamailio's {@code request_route}. */
    INITIAL("initial", true),
    /** Consumer: in-dialog requests (To tag present), ACK for 2xx included — {@code loose_route()} traffic. */
    IN_DIALOG("in-dialog", true),
    /**
     * Consumer: a 2xx to an INVITE that went upstream after SipFlow's relay of it had ended (its own
     * 408 or 487 went first, another fork branch answered first), RFC 3261 §16.7 step 5: the call is
     * up after all.
     */
    LATE_ANSWER("late-answer", true),
    /** Producer: stateful forward of the current request; continues with the final response. */
    RELAY("relay", false),
    /** Producer: answer the current request on its server transaction. */
    REPLY("reply", false),
    /** Producer: originate a new request; continues with its final response. */
    REQUEST("request", false);

    private final String path;
    private final boolean consumer;

    SipEndpointKind(String path, boolean consumer) {
        this.path = path;
        this.consumer = consumer;
    }

    public String path() {
        return path;
    }

    public boolean isConsumer() {
        return consumer;
    }

    public static SipEndpointKind fromPath(String remaining) {
        String p = remaining.toLowerCase(Locale.ROOT);
        for (SipEndpointKind kind : values()) {
            if (kind.path.equals(p)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("Unknown sip: endpoint '" + remaining + "', expected one of "
                + Arrays.stream(values()).map(SipEndpointKind::path).collect(Collectors.joining(", ")));
    }
}
