package io.sipflow.module.location;

/**
 * One registered contact of an address-of-record: a row of the OpenSIPS 3.x {@code location}
 * table. Immutable; a refresh replaces the binding.
 *
 * @param contactId    unique id of the binding (OpenSIPS {@code contact_id}); also the value of
 *                     the Contact-rewrite parameter SipFlow gives the PBX
 * @param username     AoR user part ({@code $tU})
 * @param domain       AoR domain = the tenant's domain ({@code $td})
 * @param contact      the endpoint's own Contact URI, as registered
 * @param received     source of the endpoint's original REGISTER, {@code sip:ip:port;transport=x}
 *                     (null when it equals the contact)
 * @param path         Path header value, when the REGISTER carried one
 * @param expires      absolute expiry, UNIX seconds
 * @param q            q-value of the contact
 * @param callId       Call-ID of the REGISTER that created/refreshed it
 * @param cseq         CSeq of that REGISTER
 * @param lastModified when it was last saved, UNIX milliseconds
 * @param userAgent    User-Agent of the endpoint
 * @param socket       local socket the REGISTER arrived on, {@code udp:ip:port}
 * @param instance     {@code +sip.instance} of the contact, if any
 * @param pbx          the PBX (dispatcher destination URI) that accepted the registration
 * @param storedExpires the expiry the {@code location} table holds (or will hold once the pending
 *                     write-back is done) for this binding: {@code expires}, unless this refresh
 *                     only extended the expiry and its write was left out
 *                     ({@link LocationStore#deferExpiryOnlyRefreshWrites})
 */
public record Binding(
        long contactId,
        String username,
        String domain,
        String contact,
        String received,
        String path,
        long expires,
        float q,
        String callId,
        long cseq,
        long lastModified,
        String userAgent,
        String socket,
        String instance,
        String pbx,
        long storedExpires) {

    /** A binding as the location table holds it (stored expiry = expiry). */
    public Binding(long contactId, String username, String domain, String contact, String received, String path,
            long expires, float q, String callId, long cseq, long lastModified, String userAgent, String socket,
            String instance, String pbx) {
        this(contactId, username, domain, contact, received, path, expires, q, callId, cseq, lastModified, userAgent,
                socket, instance, pbx, expires);
    }

    /** Whether the location table is (or will be, once pending writes are done) behind this binding. */
    public boolean isStoreBehind() {
        return storedExpires != expires;
    }

    /** {@code user@domain}, the key of the AoR. */
    public String aor() {
        return Aors.key(username, domain);
    }

    public boolean isExpired(long nowEpochSeconds) {
        return expires <= nowEpochSeconds;
    }
}
