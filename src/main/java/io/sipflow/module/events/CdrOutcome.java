package io.sipflow.module.events;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a call ended. {@code answered} goes to the {@code acc} table, the others to
 * {@code missed_calls} (as OpenSIPS {@code acc} does with failed transactions).
 */
public enum CdrOutcome {
    /** A 2xx answered the INVITE; the call ended with a BYE (or was closed by the dialog timeout). */
    ANSWERED,
    /** A final failure from the callee side or SipFlow: 4xx/5xx/6xx other than the cases below. */
    FAILED,
    /** Nobody answered: 408 Request Timeout, 480 Temporarily Unavailable. */
    MISSED,
    /** The caller gave up: CANCEL, answered 487 Request Terminated. */
    CANCELLED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The outcome of an INVITE transaction's final status: 2xx answered, 487 cancelled, 408/480
     * missed, anything else failed. A tracker that saw the CANCEL itself may use
     * {@link #CANCELLED} directly.
     */
    public static CdrOutcome forFinalStatus(int code) {
        if (code >= 200 && code < 300) {
            return ANSWERED;
        }
        if (code == 487) {
            return CANCELLED;
        }
        if (code == 408 || code == 480) {
            return MISSED;
        }
        return FAILED;
    }

    /** The outcome with this wire name, or null. */
    public static CdrOutcome fromWireName(String name) {
        for (CdrOutcome o : values()) {
            if (o.wireName().equals(name)) {
                return o;
            }
        }
        return null;
    }
}
