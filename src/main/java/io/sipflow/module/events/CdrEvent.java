package io.sipflow.module.events;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One call detail record, emitted once per call at its end (once per dialog when two fork branches
 * answered), schema {@code schemas/cdr.schema.json}. Build it with {@link #builder()}, then hand it
 * to {@link EventPublisher#publish}:
 *
 * <pre>{@code
 * CdrEvent cdr = CdrEvent.builder()
 *         .callId(callId).fromTag(fromTag).toTag(toTag)
 *         .from("201", "tenant-a.example").to("301", "tenant-a.example")
 *         .tenant("tenant-a.example").direction(CallDirection.PBX_TO_ENDPOINT).pbx("sip:127.0.0.71:5060")
 *         .sourceAddress("127.0.0.71:5060").destinationAddress("192.0.2.10:5060")
 *         .finalStatus(200, "OK")                 // outcome derived: answered / failed / missed / cancelled
 *         .created(inviteAt).answered(okAt).ended(byeAt)
 *         .hungUpBy(HangupParty.CALLER)
 *         .build();
 * events.publish(cdr);                             // never blocks, never throws
 * }</pre>
 *
 * Field names on the wire are snake_case ({@code cdr_id}, {@code call_id}, ...); timestamps are UTC
 * ISO-8601 with milliseconds; {@code duration_ms} is answered → ended (0 when not answered),
 * {@code setup_time_ms} is created → answered (created → final reply when not answered).
 *
 * @param cdrId              deterministic id, a name-based UUID: of Call-ID, From tag and To tag for an answered
 *                           call (one dialog, {@link #cdrIdOf(String, String, String)}), of Call-ID and From
 *                           tag otherwise ({@link #cdrIdOf(String, String)})
 * @param callId             Call-ID of the INVITE
 * @param fromTag            From tag
 * @param toTag              To tag of the final response (null when there was none)
 * @param fromUser           From user ({@code $fU})
 * @param fromDomain         From domain ({@code $fd})
 * @param toUser             To user ({@code $tU})
 * @param toDomain           To domain ({@code $td})
 * @param tenant             tenant domain the call belongs to
 * @param direction          which way the call went
 * @param pbx                the tenant PBX involved (dispatcher destination URI)
 * @param sourceAddress      {@code ip:port} the INVITE came from
 * @param destinationAddress {@code ip:port} it was relayed to
 * @param method             {@code INVITE}
 * @param sipCode            final status code of the INVITE (200 for answered calls)
 * @param sipReason          its reason phrase
 * @param outcome            answered, failed, missed, cancelled
 * @param created            INVITE received
 * @param answered           2xx relayed (null when not answered)
 * @param ended              BYE, final failure, or dialog closed by SipFlow
 * @param durationMs         answered → ended in ms, 0 when not answered
 * @param setupTimeMs        created → answered (or → final reply) in ms
 * @param hungUpBy           who ended an answered call (null otherwise)
 * @param flags              markers such as {@code closed_by_timeout}
 * @param schemaVersion      {@link SipFlowEvent#SCHEMA_VERSION}
 */
public record CdrEvent(
        String cdrId,
        String callId,
        String fromTag,
        String toTag,
        String fromUser,
        String fromDomain,
        String toUser,
        String toDomain,
        String tenant,
        CallDirection direction,
        String pbx,
        String sourceAddress,
        String destinationAddress,
        String method,
        int sipCode,
        String sipReason,
        CdrOutcome outcome,
        String created,
        String answered,
        String ended,
        long durationMs,
        long setupTimeMs,
        HangupParty hungUpBy,
        List<String> flags,
        int schemaVersion) implements SipFlowEvent {

    /** Flag of a dialog SipFlow closed because no BYE came before the maximum dialog time. */
    public static final String FLAG_CLOSED_BY_TIMEOUT = "closed_by_timeout";

    public CdrEvent {
        flags = flags == null ? List.of() : List.copyOf(flags);
    }

    @Override
    public EventType type() {
        return EventType.CDR;
    }

    @Override
    public String key() {
        return callId;
    }

    @Override
    public String eventId() {
        return cdrId;
    }

    /**
     * The deterministic CDR id of a call attempt that was not answered (failed, missed, cancelled):
     * the same Call-ID and From tag always give the same id, so a CDR replayed from the spool, or
     * emitted twice, is stored once.
     */
    public static String cdrIdOf(String callId, String fromTag) {
        return nameBasedId(callId, fromTag);
    }

    /**
     * The deterministic CDR id of an answered call, i.e. of one dialog: Call-ID, From tag and To tag.
     * A forked INVITE answered 2xx by two branches is two dialogs (two To tags), each its own CDR
     * with its own id; a replay of either is still stored once.
     */
    public static String cdrIdOf(String callId, String fromTag, String toTag) {
        return nameBasedId(callId, fromTag, toTag);
    }

    /** A name-based UUID of the parts, one per line (null as empty). */
    private static String nameBasedId(String... parts) {
        StringBuilder name = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            name.append(i == 0 ? "" : "\n").append(parts[i] == null ? "" : parts[i]);
        }
        return UUID.nameUUIDFromBytes(name.toString().getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * The id a CDR with these fields carries: an answered call is a dialog, identified with its To
     * tag (a fork may give several per Call-ID and From tag); a call attempt that was not answered has
     * one id whatever To tag its final response carried.
     */
    public static String idFor(String callId, String fromTag, String toTag, CdrOutcome outcome) {
        return outcome == CdrOutcome.ANSWERED ? cdrIdOf(callId, fromTag, toTag) : cdrIdOf(callId, fromTag);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link CdrEvent}; computes the id, the outcome (from the status) and the durations. */
    public static final class Builder {
        private String callId;
        private String fromTag;
        private String toTag;
        private String fromUser;
        private String fromDomain;
        private String toUser;
        private String toDomain;
        private String tenant;
        private CallDirection direction;
        private String pbx;
        private String sourceAddress;
        private String destinationAddress;
        private String method = "INVITE";
        private int sipCode;
        private String sipReason;
        private CdrOutcome outcome;
        private Instant created;
        private Instant answered;
        private Instant ended;
        private HangupParty hungUpBy;
        private final List<String> flags = new ArrayList<>();

        private Builder() {
        }

        public Builder callId(String v) { callId = v; return this; }

        public Builder fromTag(String v) { fromTag = v; return this; }

        public Builder toTag(String v) { toTag = v; return this; }

        public Builder from(String user, String domain) { fromUser = user; fromDomain = domain; return this; }

        public Builder to(String user, String domain) { toUser = user; toDomain = domain; return this; }

        public Builder tenant(String v) { tenant = v; return this; }

        public Builder direction(CallDirection v) { direction = v; return this; }

        public Builder pbx(String v) { pbx = v; return this; }

        public Builder sourceAddress(String v) { sourceAddress = v; return this; }

        public Builder destinationAddress(String v) { destinationAddress = v; return this; }

        public Builder method(String v) { method = v; return this; }

        /** Final status of the INVITE; sets the outcome by {@link CdrOutcome#forFinalStatus} unless set explicitly. */
        public Builder finalStatus(int code, String reason) { sipCode = code; sipReason = reason; return this; }

        /** Overrides the outcome derived from the final status (e.g. CANCELLED when the tracker saw the CANCEL). */
        public Builder outcome(CdrOutcome v) { outcome = v; return this; }

        public Builder created(Instant v) { created = v; return this; }

        public Builder answered(Instant v) { answered = v; return this; }

        public Builder ended(Instant v) { ended = v; return this; }

        public Builder hungUpBy(HangupParty v) { hungUpBy = v; return this; }

        /** Adds a flag, e.g. {@link CdrEvent#FLAG_CLOSED_BY_TIMEOUT}. */
        public Builder flag(String v) { flags.add(v); return this; }

        public CdrEvent build() {
            CdrOutcome o = outcome != null ? outcome : (sipCode > 0 ? CdrOutcome.forFinalStatus(sipCode) : null);
            long duration = answered != null && ended != null ? Math.max(0, ended.toEpochMilli() - answered.toEpochMilli()) : 0;
            Instant setupEnd = answered != null ? answered : ended;
            long setup = created != null && setupEnd != null ? Math.max(0, setupEnd.toEpochMilli() - created.toEpochMilli()) : 0;
            return new CdrEvent(idFor(callId, fromTag, toTag, o), callId, fromTag, toTag, fromUser, fromDomain, toUser, toDomain,
                    tenant, direction, pbx, sourceAddress, destinationAddress, method, sipCode, sipReason, o,
                    Timestamps.format(created), Timestamps.format(answered), Timestamps.format(ended), duration, setup,
                    hungUpBy, flags, SCHEMA_VERSION);
        }
    }
}
