package io.sipflow.module.acc;

import io.sipflow.module.acc.PendingCall.AnsweredCall;
import io.sipflow.module.acc.PendingCall.HeldFailure;
import io.sipflow.module.acc.PendingCall.UnmatchedAnswers;
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
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenSIPS {@code acc} + {@code dialog} for CDRs: a call is tracked from its INVITE's 2xx to the
 * BYE that crosses SipFlow on the Record-Route path, and one CDR is published when it ends: at the
 * BYE (answered), at the INVITE's final failure (failed, missed, cancelled), or when no BYE came
 * within the maximum dialog time (answered, flagged {@code closed_by_timeout}).
 *
 * <p>Late answers: a 2xx that reaches the caller after SipFlow gave up on the INVITE (its own
 * timeout) still establishes the call (RFC 3261 §16.7 step 5). So a failure that was SipFlow's own
 * timeout is held for the late-answer window (a UAS retransmits its 2xx for 64*T1 = 32 s) instead
 * of being published: a late 2xx within it drops the failure and the call becomes an answered
 * dialog; otherwise the failure is published when the window ends, with its own timestamps. A late
 * 2xx that comes before the tracker learns the call's outcome waits for it the same way, and one
 * for an answered call with another To tag (a second fork branch) is a dialog of its own.
 *
 * <p>Thread-safe and lock-free per dialog (per call for the window); never blocks (publishing is a
 * queue hand-off).
 */
public final class DialogTracker {

    private static final Logger LOG = LoggerFactory.getLogger(DialogTracker.class);

    /** An established call waiting for its BYE. */
    private record Dialog(CallInfo call, String toTag, int code, String reason, Instant answered, long deadlineMs) {
    }

    /** An open dialog as saved across a restart (plain fields only). */
    record SavedDialog(String callId, String fromTag, String fromUser, String fromDomain, String toUser, String toDomain,
            String tenant, CallDirection direction, String pbx, String source, String destination, long createdMs,
            String toTag, int code, String reason, long answeredMs, long deadlineMs) {
    }

    /** What one change of a call's {@link PendingCall} entry leaves to do once it is made. */
    private static final class Consequences {
        /** Late answers that turned out to belong to the call: a dialog each. */
        List<LateAnswer> answers = List.of();
        /** A failure whose CDR is due now. */
        HeldFailure failure;
        /** The call a late answer belongs to. */
        CallInfo call;
    }

    private final Map<String, Dialog> dialogs = new ConcurrentHashMap<>();
    /** Calls within the late-answer window, by Call-ID and From tag. */
    private final Map<String, PendingCall> pending = new ConcurrentHashMap<>();
    private final EventPublisher events;
    private final DialogMeters meters;
    private final Duration maxDuration;
    private final Duration lateAnswerWindow;

    /**
     * @param maxDuration      an answered call with no BYE is closed after this long
     * @param lateAnswerWindow how long a call SipFlow timed out waits for a late 2xx before its CDR
     */
    public DialogTracker(EventPublisher events, DialogMeters meters, Duration maxDuration, Duration lateAnswerWindow) {
        this.events = events;
        this.meters = meters;
        this.maxDuration = maxDuration;
        this.lateAnswerWindow = lateAnswerWindow;
    }

    /** The INVITE was answered 2xx: the dialog lives until its BYE. A 2xx retransmission changes nothing. */
    public void answered(CallInfo call, String toTag, int code, String reason, Instant at) {
        startDialog(call, toTag, code, reason, at);
        Consequences then = new Consequences();
        pending.compute(callKey(call.callId(), call.fromTag()), (k, entry) -> {
            if (entry instanceof AnsweredCall known) {
                return known.with(toTag);
            }
            if (entry instanceof UnmatchedAnswers early) {
                then.answers = early.answers().stream().filter(a -> !Objects.equals(a.toTag(), toTag)).toList();
                return AnsweredCall.of(call, early.toTags(), toTag, deadline(at));
            }
            if (entry instanceof HeldFailure earlier) {
                then.failure = earlier; // an earlier INVITE of this Call-ID timed out: its CDR as before
            }
            return AnsweredCall.of(call, List.of(), toTag, deadline(at));
        });
        carryOut(then, call);
    }

    /**
     * The INVITE ended without an answer: the CDR now (failed, missed, or cancelled), unless a late
     * 2xx of this call already reached the caller while its route was still at work (a failover to
     * another hop): then the call is an answered dialog.
     */
    public void notAnswered(CallInfo call, String toTag, int code, String reason, Instant at) {
        Consequences then = new Consequences();
        pending.computeIfPresent(callKey(call.callId(), call.fromTag()), (k, entry) -> {
            if (entry instanceof UnmatchedAnswers early) {
                then.answers = early.answers();
                return new AnsweredCall(call, early.toTags(), deadline(at));
            }
            return entry;
        });
        if (then.answers.isEmpty()) {
            publishFailure(call, toTag, code, reason, at);
        } else {
            carryOut(then, call);
        }
    }

    /**
     * The INVITE ended by SipFlow's own timeout (408, outcome {@code timeout}): the callee may still
     * answer, so the CDR is held for the late-answer window. A late 2xx within it makes the call an
     * answered dialog ({@link #lateAnswer}); otherwise {@link #closeExpired} publishes this failure
     * as it is now.
     */
    public void timedOut(CallInfo call, String toTag, int code, String reason, Instant at) {
        HeldFailure failure = new HeldFailure(call, toTag, code, reason, at, deadline(at));
        Consequences then = new Consequences();
        pending.compute(callKey(call.callId(), call.fromTag()), (k, entry) -> {
            if (entry instanceof UnmatchedAnswers early) {
                then.answers = early.answers(); // answered while the route still waited: the failure is void
                return new AnsweredCall(call, early.toTags(), failure.deadlineMs());
            }
            if (entry instanceof AnsweredCall known) {
                then.failure = failure; // another INVITE of an answered Call-ID: its CDR as before
                return known;
            }
            if (entry instanceof HeldFailure earlier) {
                then.failure = earlier;
            }
            return failure;
        });
        carryOut(then, call);
    }

    /**
     * A 2xx reached the caller after SipFlow's relay of its INVITE had ended: a failure held for it
     * is dropped and the call becomes an answered dialog (answered when the 2xx went upstream); for
     * an answered call, a new To tag is a dialog of its own; an unknown call waits for its outcome
     * during the window. A retransmission changes nothing.
     */
    public void lateAnswer(LateAnswer answer) {
        Consequences then = new Consequences();
        pending.compute(callKey(answer.callId(), answer.fromTag()), (k, entry) -> {
            if (entry instanceof HeldFailure held) {
                then.call = held.call();
                return AnsweredCall.of(held.call(), List.of(), answer.toTag(), deadline(answer.at()));
            }
            if (entry instanceof AnsweredCall known) {
                if (known.knows(answer.toTag())) {
                    return known;
                }
                then.call = known.call();
                return known.with(answer.toTag());
            }
            if (entry instanceof UnmatchedAnswers early) {
                return early.with(answer);
            }
            return new UnmatchedAnswers(List.of(answer), deadline(answer.at()));
        });
        if (then.call != null) {
            startLateDialog(then.call, answer);
        }
    }

    /**
     * On shutdown: the failures still held for a late answer get their CDR now (after a restart no
     * late 2xx can be matched to them); returns how many.
     */
    public int publishHeldFailures() {
        int published = 0;
        for (Map.Entry<String, PendingCall> e : pending.entrySet()) {
            if (e.getValue() instanceof HeldFailure held && pending.remove(e.getKey(), held)) {
                publishFailure(held);
                published++;
            }
        }
        return published;
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

    /**
     * Closes the dialogs older than the maximum dialog time (their CDR is flagged); returns how many.
     * Also ends the late-answer windows that passed: a held failure gets its CDR, late answers that
     * matched no accounted call are let go.
     */
    public int closeExpired(Instant now) {
        endDueWindows(now);
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

    private void endDueWindows(Instant now) {
        long nowMs = now.toEpochMilli();
        for (Map.Entry<String, PendingCall> e : pending.entrySet()) {
            PendingCall entry = e.getValue();
            if (entry.deadlineMs() > nowMs || !pending.remove(e.getKey(), entry)) {
                continue;
            }
            if (entry instanceof HeldFailure held) {
                publishFailure(held);
            } else if (entry instanceof UnmatchedAnswers early) {
                LOG.info("Late {} to INVITE {} matched no accounted call within {}: not accounted",
                        early.answers().get(0).code(), early.answers().get(0).callId(), lateAnswerWindow);
            }
        }
    }

    /** The dialog of the call's 2xx, unless it is already tracked. */
    private void startDialog(CallInfo call, String toTag, int code, String reason, Instant at) {
        Dialog d = new Dialog(call, toTag, code, reason, at, at.toEpochMilli() + maxDuration.toMillis());
        if (dialogs.putIfAbsent(key(call.callId(), call.fromTag(), toTag), d) == null) {
            meters.started(call.tenant());
        }
    }

    /** A dialog established by a late 2xx: answered when it went upstream, to whoever sent it. */
    private void startLateDialog(CallInfo call, LateAnswer answer) {
        LOG.info("INVITE {} answered {} (To tag {}) after SipFlow's relay had ended: accounted as an answered call",
                answer.callId(), answer.code(), answer.toTag());
        CallInfo answeredBy = answer.responder() == null ? call : call.withDestination(answer.responder());
        startDialog(answeredBy, answer.toTag(), answer.code(), answer.reason(), answer.at());
    }

    private void carryOut(Consequences then, CallInfo call) {
        if (then.failure != null) {
            publishFailure(then.failure);
        }
        for (LateAnswer answer : then.answers) {
            startLateDialog(call, answer);
        }
    }

    /** The CDR of a call that never became a dialog (failed, missed, or cancelled). */
    private void publishFailure(CallInfo call, String toTag, int code, String reason, Instant ended) {
        meters.failed(call.tenant());
        events.publish(cdr(call, toTag, code, reason).ended(ended).build());
    }

    private void publishFailure(HeldFailure held) {
        publishFailure(held.call(), held.toTag(), held.code(), held.reason(), held.ended());
    }

    private long deadline(Instant from) {
        return from.toEpochMilli() + lateAnswerWindow.toMillis();
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

    /** A call (all its dialogs): Call-ID and the caller's tag. */
    static String callKey(String callId, String fromTag) {
        return callId + '\n' + (fromTag == null ? "" : fromTag);
    }

    /** The same for both directions of the dialog: Call-ID and the two tags in a fixed order. */
    static String key(String callId, String tagA, String tagB) {
        String a = tagA == null ? "" : tagA;
        String b = tagB == null ? "" : tagB;
        return a.compareTo(b) <= 0 ? callId + '\n' + a + '\n' + b : callId + '\n' + b + '\n' + a;
    }
}
