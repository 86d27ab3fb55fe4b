package io.sipflow.component.sip;

/** Values of {@link SipConstants#OUTCOME}: what ended a relayed or originated request. */
public enum SipOutcome {
    /** A final response arrived from the next hop. */
    RESPONSE,
    /** No final response in time: SipFlow synthesised 408. */
    TIMEOUT,
    /** The next hop could not be reached (connection refused, no route): SipFlow synthesised 503. */
    UNREACHABLE,
    /** SipFlow answered itself without sending (loop 482, Max-Forwards 483, cancelled 487). */
    LOCAL;

    public String headerValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
