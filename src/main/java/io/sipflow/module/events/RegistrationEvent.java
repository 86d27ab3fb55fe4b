package io.sipflow.module.events;

import java.time.Instant;

/**
 * A registration outcome (schema {@code schemas/registration.schema.json}); Kafka key = AoR. The
 * location store and the registrar emit the binding and rejection events themselves; the
 * forwarding module publishes its state changes with {@link #forwardingState}:
 *
 * <pre>{@code
 * events.publish(RegistrationEvent.forwardingState("201", "tenant-a.example",
 *         "registered", "registering", "sip:genesys.example:5060", 200, "OK"));
 * }</pre>
 *
 * Fields that do not apply to an event kind are null.
 *
 * @param eventId       unique id (random UUID, {@link EventIds}; kept across spool replays)
 * @param event         what happened
 * @param time          when, UTC ISO-8601 with milliseconds
 * @param aor           {@code user@domain}
 * @param user          AoR user
 * @param domain        AoR domain (the tenant)
 * @param contact       the endpoint's Contact URI (binding events)
 * @param received      where the endpoint registered from, {@code sip:ip:port[;transport=tcp]}
 * @param expires       binding expiry, UTC ISO-8601 (binding events)
 * @param callId        Call-ID of the REGISTER
 * @param userAgent     User-Agent of the endpoint
 * @param pbx           the PBX that answered the REGISTER
 * @param code          SIP status (register_rejected, forwarding_state)
 * @param reason        reason phrase or explanation
 * @param state         forwarding state now (forwarding_state)
 * @param previousState forwarding state before (forwarding_state)
 * @param secondary     the secondary registrar (forwarding_state)
 * @param schemaVersion {@link SipFlowEvent#SCHEMA_VERSION}
 */
public record RegistrationEvent(
        String eventId,
        RegistrationEventKind event,
        String time,
        String aor,
        String user,
        String domain,
        String contact,
        String received,
        String expires,
        String callId,
        String userAgent,
        String pbx,
        Integer code,
        String reason,
        String state,
        String previousState,
        String secondary,
        int schemaVersion) implements SipFlowEvent {

    @Override
    public EventType type() {
        return EventType.REGISTRATION;
    }

    @Override
    public String key() {
        return aor;
    }

    /** A binding event (added, refreshed, removed, expired) now. */
    public static RegistrationEvent binding(RegistrationEventKind kind, String user, String domain, String contact,
            String received, long expiresEpochSeconds, String callId, String userAgent, String pbx) {
        return new RegistrationEvent(newId(), kind, now(), aor(user, domain), user, domain, contact, received,
                Timestamps.format(Instant.ofEpochSecond(expiresEpochSeconds)), callId, userAgent, pbx, null, null, null,
                null, null, SCHEMA_VERSION);
    }

    /** The PBX refused a REGISTER with {@code code} (not a 401/407 challenge). */
    public static RegistrationEvent registerRejected(String user, String domain, String callId, String pbx, int code,
            String reason) {
        return new RegistrationEvent(newId(), RegistrationEventKind.REGISTER_REJECTED, now(), aor(user, domain), user,
                domain, null, null, null, callId, null, pbx, code, reason, null, null, null, SCHEMA_VERSION);
    }

    /**
     * The forwarding (secondary registration) state of {@code user@domain} changed.
     *
     * @param state         the new state, e.g. {@code registered}, {@code failed}, {@code removed}
     * @param previousState the state before (null for the first one)
     * @param secondary     the secondary registrar's URI
     * @param code          the SIP status that caused the change (null when none, e.g. a timeout)
     * @param reason        its reason phrase or an explanation
     */
    public static RegistrationEvent forwardingState(String user, String domain, String state, String previousState,
            String secondary, Integer code, String reason) {
        return new RegistrationEvent(newId(), RegistrationEventKind.FORWARDING_STATE, now(), aor(user, domain), user,
                domain, null, null, null, null, null, null, code, reason, state, previousState, secondary, SCHEMA_VERSION);
    }

    private static String aor(String user, String domain) {
        return (user == null ? "" : user) + "@" + (domain == null ? "" : domain);
    }

    private static String now() {
        return Timestamps.ofMillis(System.currentTimeMillis());
    }

    private static String newId() {
        return EventIds.random();
    }
}
