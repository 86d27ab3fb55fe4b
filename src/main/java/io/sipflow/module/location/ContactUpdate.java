package io.sipflow.module.location;

/**
 * One contact of a REGISTER the PBX accepted, with the expiry the PBX granted.
 *
 * @param contactId       id of the binding (stable for the same AoR and contact URI)
 * @param contact         the endpoint's own Contact URI
 * @param expiresSeconds  granted expiry in seconds; 0 removes the binding
 * @param q               q-value (1.0 when absent)
 * @param instance        {@code +sip.instance}, or null
 */
public record ContactUpdate(long contactId, String contact, int expiresSeconds, float q, String instance) {
}
