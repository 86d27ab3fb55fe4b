package io.sipflow.module.forwarding;

import java.util.Locale;
import javax.sip.header.ProxyAuthenticateHeader;
import javax.sip.header.WWWAuthenticateHeader;
import javax.sip.message.Response;

/**
 * A digest challenge (RFC 2617 / RFC 7616) read from a 401 {@code WWW-Authenticate} or a 407
 * {@code Proxy-Authenticate}.
 *
 * @param proxy true for a 407 (answer with {@code Proxy-Authorization})
 */
public record DigestChallenge(String realm, String nonce, String opaque, String algorithm, String qop, boolean stale,
        boolean proxy) {

    /** The first digest challenge of a 401/407, or null when it carries none SipFlow can answer. */
    public static DigestChallenge of(Response response) {
        boolean proxy = response.getStatusCode() == Response.PROXY_AUTHENTICATION_REQUIRED;
        WWWAuthenticateHeader h = (WWWAuthenticateHeader) response.getHeader(
                proxy ? ProxyAuthenticateHeader.NAME : WWWAuthenticateHeader.NAME);
        if (h == null || h.getScheme() == null || !"digest".equalsIgnoreCase(h.getScheme()) || h.getNonce() == null) {
            return null;
        }
        String algorithm = h.getAlgorithm() == null ? "MD5" : h.getAlgorithm().trim().toUpperCase(Locale.ROOT);
        if (!DigestAnswer.supports(algorithm)) {
            return null;
        }
        return new DigestChallenge(h.getRealm() == null ? "" : h.getRealm(), h.getNonce(), h.getOpaque(), algorithm,
                h.getQop(), h.isStale(), proxy);
    }

    /** {@code auth} when the server offers it (RFC 7616 §3.3), null for the RFC 2069 compatible form. */
    public String chosenQop() {
        if (qop == null) {
            return null;
        }
        for (String q : qop.split(",")) {
            if ("auth".equalsIgnoreCase(q.trim())) {
                return "auth";
            }
        }
        return null;
    }
}
