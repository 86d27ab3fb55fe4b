package io.sipflow.module.events;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Which way a call went through SipFlow (CDR {@code direction}). */
public enum CallDirection {
    /** A tenant PBX called a registered endpoint ({@code location} route). */
    PBX_TO_ENDPOINT,
    /** A registered endpoint called its tenant's PBX ({@code to-pbx} route). */
    ENDPOINT_TO_PBX,
    /** The secondary registrar (forwarding) called an endpoint. */
    SECONDARY_TO_ENDPOINT;

    /** {@code pbx_to_endpoint}, {@code endpoint_to_pbx}, {@code secondary_to_endpoint}. */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
