package io.sipflow.module.events;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Who ended an answered call (CDR {@code hung_up_by}). */
public enum HangupParty {
    /** The BYE came from the caller (the From side). */
    CALLER,
    /** The BYE came from the callee (the To side). */
    CALLEE,
    /** SipFlow closed the dialog itself (no BYE before the maximum dialog time: flag {@code closed_by_timeout}). */
    SIPFLOW;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
