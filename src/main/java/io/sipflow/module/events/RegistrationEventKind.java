package io.sipflow.module.events;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What happened to a registration (registration event {@code event}). */
public enum RegistrationEventKind {
    /** A new binding was saved after the PBX's 2xx. */
    BINDING_ADDED,
    /** An existing binding was re-registered (new expiry). */
    BINDING_REFRESHED,
    /** A binding was removed: Expires 0, {@code Contact: *}, or evicted beyond the maximum contacts. */
    BINDING_REMOVED,
    /** A binding's time ran out (usrloc timer). */
    BINDING_EXPIRED,
    /** The PBX refused a REGISTER with a final status other than a 401/407 challenge ({@code code}, {@code reason}). */
    REGISTER_REJECTED,
    /** The secondary-registration (forwarding) state of an AoR changed ({@code state}, {@code previous_state}, ...). */
    FORWARDING_STATE;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
