package io.sipflow.module.forwarding;

/**
 * The live state machine data of one AoR's secondary registration. Confined to the forwarding
 * thread: never shared, never locked.
 */
final class SecondaryRegistration {

    final String domain;
    final String username;
    String callId;
    String fromTag;
    long cseq;
    ForwardingState state = ForwardingState.UNREGISTERED;
    String secondaryUsername;
    String registrar;

    /** The endpoint is registered at Asterisk, so the secondary should hold it. */
    boolean wanted;
    /** The endpoint refreshed since the last REGISTER to the secondary. */
    boolean refreshRequested;

    /** A REGISTER is in flight; the next one waits for its answer. */
    boolean inFlight;
    /** Expires of the REGISTER in flight (0 = de-registration). */
    int sentExpires;
    /** Authenticated retries within the current attempt (a second non-stale challenge = wrong credentials). */
    int authAnswers;
    /** 423 retries within the current attempt. */
    int intervalRetries;
    /** Minimum expiry the secondary asked for (423 Min-Expires), 0 when none. */
    int minExpires;
    DigestChallenge challenge;
    long nonceCount;

    /** Absolute expiry at the secondary, ms; 0 when it does not hold the registration. */
    long secondaryExpiresAt;
    /** When to refresh on our own when the endpoint does not, ms. */
    long refreshAt;
    long nextAttemptAt;
    int attempts;
    int lastCode;
    String lastReason;

    SecondaryRegistration(String domain, String username) {
        this.domain = domain;
        this.username = username;
    }

    String aor() {
        return username + "@" + domain;
    }

    boolean heldBySecondary(long nowMs) {
        return secondaryExpiresAt > nowMs;
    }

    SecondaryRegistrationRow row(long nowMs) {
        return new SecondaryRegistrationRow(domain, username, secondaryUsername, registrar, callId, cseq, fromTag, state,
                secondaryExpiresAt / 1000, attempts, state == ForwardingState.FAILED ? nextAttemptAt : 0, lastCode, lastReason,
                nowMs);
    }

    static SecondaryRegistration resume(SecondaryRegistrationRow row) {
        SecondaryRegistration r = new SecondaryRegistration(row.domain(), row.username());
        r.secondaryUsername = row.secondaryUsername();
        r.registrar = row.registrar();
        r.callId = row.callId();
        r.fromTag = row.fromTag();
        r.cseq = row.cseq();
        r.state = row.state();
        r.secondaryExpiresAt = row.expires() * 1000;
        r.attempts = row.attempts();
        r.nextAttemptAt = row.nextAttempt();
        r.lastCode = row.lastCode();
        r.lastReason = row.lastReason();
        return r;
    }
}
