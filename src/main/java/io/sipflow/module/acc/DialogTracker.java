package io.sipflow.module.acc;

import io.sipflow.module.events.CallDirection;
import io.sipflow.module.events.CdrEvent;
import io.sipflow.module.events.CdrOutcome;
import io.sipflow.module.events.EventJson;
import io.sipflow.module.events.EventPublisher;
import io.sipflow.module.events.HangupParty;
import io.sipflow.module.stats.DialogMeters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenSIPS {@code acc} + {@code dialog} for CDRs: a call is tracked from its INVITE's 2xx to the
 * BYE that crosses SipFlow on the Record-Route path, and one CDR is published when it ends: at the
 * BYE (answered), at the INVITE's final failure (failed, missed, cancelled), or when no BYE came
 * within the maximum dialog time (answered, flagged {@code closed_by_timeout}). Thread-safe and
 * lock-free per dialog; never blocks (publishing is a queue hand-off).
 */
public final class DialogTracker {

    /** An established call waiting for its BYE. */
    private record Dialog(CallInfo call, String toTag, int code, String reason, Instant answered, long deadlineMs) {
    }

    /** An open dialog as saved across a restart (plain fields only). */
    record SavedDialog(String callId, String fromTag, String fromUser, String fromDomain, String toUser, String toDomain,
            String tenant, CallDirection direction, String pbx, String source, String destination, long createdMs,
            String toTag, int code, String reason, long answeredMs, long deadlineMs) {
    }

    private final Map<String, Dialog> dialogs = new ConcurrentHashMap<>();
    private final EventPublisher events;
    private final DialogMeters meters;
    private final Duration maxDuration;

    public DialogTracker(EventPublisher events, DialogMeters meters, Duration maxDuration) {
        this.events = events;
        this.meters = meters;
        this.maxDuration = maxDuration;
    }

    /** The INVITE was answered 2xx: the dialog lives until its BYE. A 2xx retransmission changes nothing. */
    public void answered(CallInfo call, String toTag, int code, String reason, Instant at) {
        Dialog d = new Dialog(call, toTag, code, reason, at, at.toEpochMilli() + maxDuration.toMillis());
        if (dialogs.putIfAbsent(key(call.callId(), call.fromTag(), toTag), d) == null) {
            meters.started(call.tenant());
        }
    }

    /** The INVITE ended without an answer: the CDR now (failed, missed, or cancelled). */
    public void notAnswered(CallInfo call, String toTag, int code, String reason, Instant at) {
        meters.failed(call.tenant());
        events.publish(cdr(call, toTag, code, reason).ended(at).build());
    }

    /**
     * A BYE of the dialog crossed SipFlow: the CDR of the answered call, hung up by whoever sent it.
     *
     * @return false when no such dialog is tracked (already ended, or established before a restart)
     */
    public boolean bye(String callId, String byeFromTag, String byeToTag, Instant at) {
        Dialog d = dialogs.remove(key(callId, byeFromTag, byeToTag));
        if (d == null) {
            return false;
        }
        meters.ended(d.call().tenant());
        HangupParty by = byeFromTag != null && byeFromTag.equals(d.call().fromTag()) ? HangupParty.CALLER : HangupParty.CALLEE;
        events.publish(cdr(d.call(), d.toTag(), d.code(), d.reason()).answered(d.answered()).ended(at).hungUpBy(by).build());
        return true;
    }

    /** Closes the dialogs older than the maximum dialog time (their CDR is flagged); returns how many. */
    public int closeExpired(Instant now) {
        List<String> due = new ArrayList<>();
        dialogs.forEach((k, d) -> {
            if (d.deadlineMs() <= now.toEpochMilli()) {
                due.add(k);
            }
        });
        int closed = 0;
        for (String k : due) {
            Dialog d = dialogs.remove(k);
            if (d != null) {
                closed++;
                meters.ended(d.call().tenant());
                events.publish(cdr(d.call(), d.toTag(), d.code(), d.reason()).answered(d.answered()).ended(now)
                        .hungUpBy(HangupParty.SIPFLOW).flag(CdrEvent.FLAG_CLOSED_BY_TIMEOUT).build());
            }
        }
        return closed;
    }

    public int activeDialogs() {
        return dialogs.size();
    }

    /**
     * On shutdown: writes the open dialogs to {@code file}, so that after a restart their BYE still
     * yields a complete CDR (OpenSIPS dialog {@code db_mode} at shutdown). After a crash they are lost.
     */
    public int save(Path file) throws IOException {
        List<SavedDialog> saved = new ArrayList<>();
        for (Dialog d : dialogs.values()) {
            CallInfo c = d.call();
            saved.add(new SavedDialog(c.callId(), c.fromTag(), c.fromUser(), c.fromDomain(), c.toUser(), c.toDomain(),
                    c.tenant(), c.direction(), c.pbx(), c.source(), c.destination(), c.created().toEpochMilli(), d.toTag(),
                    d.code(), d.reason(), d.answered().toEpochMilli(), d.deadlineMs()));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        EventJson.mapper().writeValue(tmp.toFile(), saved);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return saved.size();
    }

    /** On start: takes back the dialogs {@link #save} wrote, and removes the file. */
    public int restore(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        SavedDialog[] saved = EventJson.mapper().readValue(file.toFile(), SavedDialog[].class);
        for (SavedDialog d : saved) {
            CallInfo c = new CallInfo(d.callId(), d.fromTag(), d.fromUser(), d.fromDomain(), d.toUser(), d.toDomain(),
                    d.tenant(), d.direction(), d.pbx(), d.source(), d.destination(), Instant.ofEpochMilli(d.createdMs()));
            if (dialogs.putIfAbsent(key(d.callId(), d.fromTag(), d.toTag()),
                    new Dialog(c, d.toTag(), d.code(), d.reason(), Instant.ofEpochMilli(d.answeredMs()), d.deadlineMs())) == null) {
                meters.started(d.tenant());
            }
        }
        Files.delete(file);
        return saved.length;
    }

    private static CdrEvent.Builder cdr(CallInfo c, String toTag, int code, String reason) {
        return CdrEvent.builder().callId(c.callId()).fromTag(c.fromTag()).toTag(toTag).from(c.fromUser(), c.fromDomain())
                .to(c.toUser(), c.toDomain()).tenant(c.tenant()).direction(c.direction()).pbx(c.pbx())
                .sourceAddress(c.source()).destinationAddress(c.destination()).finalStatus(code, reason).created(c.created())
                .outcome(code >= 200 && code < 300 ? CdrOutcome.ANSWERED : CdrOutcome.forFinalStatus(code));
    }

    /** The same for both directions of the dialog: Call-ID and the two tags in a fixed order. */
    static String key(String callId, String tagA, String tagB) {
        String a = tagA == null ? "" : tagA;
        String b = tagB == null ? "" : tagB;
        return a.compareTo(b) <= 0 ? callId + '\n' + a + '\n' + b : callId + '\n' + b + '\n' + a;
    }
}
