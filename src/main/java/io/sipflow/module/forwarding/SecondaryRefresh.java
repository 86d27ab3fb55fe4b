package io.sipflow.module.forwarding;

/**
 * What an endpoint's refresh does to its secondary registration ({@code sipflow.forwarding.refresh}).
 * Either way SipFlow's own timer refreshes the secondary before it expires while the endpoint's
 * binding lives, a first registration and a de-registration act at once, and a failed one is
 * retried on its backoff (an endpoint refresh never cuts that short).
 */
public enum SecondaryRefresh {
    /** Every REGISTER Asterisk accepts is mirrored to the secondary (Kamailio's {@code uac_req_send} per REGISTER). */
    EVERY_REGISTER,
    /**
     * An endpoint refresh reaches the secondary only when its registration there is due (past its
     * refresh time) or not registered: the secondary sees a REGISTER per its own interval, not one
     * per endpoint refresh (OpenSIPS {@code uac_registrant}). Its Contact is SipFlow's, so nothing an
     * endpoint refresh changes has to reach it earlier.
     */
    WHEN_DUE
}
