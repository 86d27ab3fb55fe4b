package io.sipflow.testsupport;

import io.sipflow.module.events.CallDirection;
import io.sipflow.module.events.CdrEvent;
import io.sipflow.module.events.CdrOutcome;
import io.sipflow.module.events.HangupParty;

import java.time.Instant;

/** Synthetic CDRs of each outcome, as the call tracker will build them. */
public final class Cdrs {

    private Cdrs() {
    }

    /** The final status a call of this outcome ends with. */
    public static int statusOf(CdrOutcome outcome) {
        return switch (outcome) {
            case ANSWERED -> 200;
            case FAILED -> 486;
            case MISSED -> 480;
            case CANCELLED -> 487;
        };
    }

    /**
     * A CDR: created at {@code start}, answered 1.5 s later (answered calls), ended 61.25 s after
     * the answer (answered) or 4 s after the INVITE (others).
     */
    public static CdrEvent of(CdrOutcome outcome, String callId, String tenant, Instant start) {
        int code = statusOf(outcome);
        CdrEvent.Builder b = CdrEvent.builder().callId(callId).fromTag("ft-" + callId).toTag("tt-" + callId)
                .from("pbx", tenant).to("201", tenant).tenant(tenant).direction(CallDirection.PBX_TO_ENDPOINT)
                .pbx("sip:127.0.0.71:5060").sourceAddress("127.0.0.71:5060").destinationAddress("192.0.2.10:5062")
                .finalStatus(code, reason(code)).created(start);
        if (outcome == CdrOutcome.ANSWERED) {
            Instant answered = start.plusMillis(1500);
            b.answered(answered).ended(answered.plusMillis(61_250)).hungUpBy(HangupParty.CALLER);
        } else {
            b.ended(start.plusMillis(4000));
        }
        return b.build();
    }

    private static String reason(int code) {
        return switch (code) {
            case 200 -> "OK";
            case 486 -> "Busy Here";
            case 480 -> "Temporarily Unavailable";
            case 487 -> "Request Terminated";
            default -> "Error";
        };
    }
}
