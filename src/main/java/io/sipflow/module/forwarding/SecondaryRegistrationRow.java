package io.sipflow.module.forwarding;

/**
 * The stored (and shown) state of one AoR's secondary registration: a row of
 * {@code secondary_registration}. A restart resumes from it with the same Call-ID and a higher CSeq.
 *
 * @param domain            tenant domain of the AoR
 * @param username          the endpoint's user part
 * @param secondaryUsername user part registered at the secondary
 * @param registrar         the registrar URI the last REGISTER went to
 * @param callId            Call-ID kept for the AoR's whole life at the secondary
 * @param cseq              CSeq of the last REGISTER sent
 * @param fromTag           From tag kept with the Call-ID
 * @param state             where it stands
 * @param expires           absolute expiry granted by the secondary, UNIX seconds; 0 when not registered
 * @param attempts          consecutive failures
 * @param nextAttempt       when the next retry is due, UNIX milliseconds; 0 when none
 * @param lastCode          last final response code (408 for a timeout, 503 unreachable), 0 before any
 * @param lastReason        its reason phrase, or why SipFlow gave up
 * @param lastModified      UNIX milliseconds of this change
 */
public record SecondaryRegistrationRow(String domain, String username, String secondaryUsername, String registrar,
        String callId, long cseq, String fromTag, ForwardingState state, long expires, int attempts, long nextAttempt,
        int lastCode, String lastReason, long lastModified) {

    public String aor() {
        return username + "@" + domain;
    }
}
