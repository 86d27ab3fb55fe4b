package io.sipflow.module.forwarding;

import java.util.Locale;

/**
 * A tenant's secondary registrar (a row of {@code secondary_registrar}): where SipFlow registers
 * the tenant's users a second time once their Asterisk accepted them (seed 004: Genesys).
 *
 * @param domain          the tenant domain whose users are forwarded
 * @param registrarUri    where the REGISTERs go, e.g. {@code sip:10.0.0.9:5060}; null when {@code setId} is used
 * @param setId           a dispatcher set holding the secondary registrar(s), 0 when {@code registrarUri} is used
 * @param secondaryDomain domain of the From/To/Request-URI at the secondary; null = host of the registrar URI
 * @param authUsername    digest user for every user of the tenant (a {@link SecondaryUser} row overrides it);
 *                        null = the (mapped) user part
 * @param authPassword    digest password for every user of the tenant; never logged
 * @param expires         seconds asked of the secondary; null = what Asterisk granted the endpoint
 * @param enabled         false keeps the row but forwards nothing
 */
public record SecondaryRegistrar(String domain, String registrarUri, int setId, String secondaryDomain,
        String authUsername, String authPassword, Integer expires, boolean enabled) {

    public SecondaryRegistrar {
        domain = domain.toLowerCase(Locale.ROOT);
        if ((registrarUri == null || registrarUri.isBlank()) && setId <= 0) {
            throw new IllegalArgumentException("secondary registrar of " + domain + " needs a registrar URI or a dispatcher set");
        }
    }

    @Override
    public String toString() {
        return "SecondaryRegistrar[" + domain + " -> " + (registrarUri != null ? registrarUri : "set " + setId)
                + ", domain=" + secondaryDomain + ", auth=" + authUsername + ", password=" + (authPassword == null ? "none" : "****")
                + ", expires=" + (expires == null ? "as granted" : expires) + ", enabled=" + enabled + "]";
    }
}
