package io.sipflow.module.forwarding;

import java.util.Locale;

/** Where the secondary registration of one AoR stands. */
public enum ForwardingState {
    /** First REGISTER (or one after a failure/unregistration) sent, no answer yet. */
    REGISTERING,
    /** The secondary answered 2xx: it knows the user until the granted expiry. */
    REGISTERED,
    /** A refresh is in flight while the secondary still holds the registration. */
    REFRESHING,
    /** A de-registration (Expires: 0) is in flight. */
    UNREGISTERING,
    /** The secondary does not (or no longer) hold(s) the user. */
    UNREGISTERED,
    /** The last attempt failed (wrong credentials, refusal, timeout); retried with backoff. */
    FAILED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ForwardingState fromLabel(String label) {
        return valueOf(label.trim().toUpperCase(Locale.ROOT));
    }
}
