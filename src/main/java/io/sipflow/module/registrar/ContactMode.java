package io.sipflow.module.registrar;

/** How SipFlow makes the PBX send requests for an endpoint back through SipFlow. */
public enum ContactMode {
    /**
     * The Contact sent to the PBX points at SipFlow ({@code sip:<user>@<advertised>;sfb=<binding>}),
     * restored to the endpoint's own contact in the 2xx relayed back. The PBX sends
     * {@code INVITE sip:201@<proxy>;sfb=...} and the parameter names the binding exactly.
     */
    REWRITE,
    /** RFC 3327: SipFlow adds a Path header with its own URI and leaves the Contact alone. */
    PATH
}
