package io.sipflow.module.forwarding;

import java.util.Locale;

/**
 * A per-user override of a tenant's forwarding (a row of {@code secondary_user}): another user part
 * at the secondary (the DN), and/or the user's own digest credentials.
 *
 * @param domain            the tenant domain
 * @param username          the endpoint's user part at SipFlow/Asterisk
 * @param secondaryUsername user part at the secondary; null = the same
 * @param authUsername      digest user; null = the tenant's, else the secondary user part
 * @param authPassword      digest password; null = the tenant's; never logged
 */
public record SecondaryUser(String domain, String username, String secondaryUsername, String authUsername,
        String authPassword) {

    public SecondaryUser {
        domain = domain.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "SecondaryUser[" + username + "@" + domain + " -> " + secondaryUsername + ", auth=" + authUsername
                + ", password=" + (authPassword == null ? "tenant's" : "****") + "]";
    }
}
