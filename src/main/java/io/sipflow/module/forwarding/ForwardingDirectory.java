package io.sipflow.module.forwarding;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The forwarding configuration in memory: per tenant registrar and per user overrides, swapped on reload. */
final class ForwardingDirectory {

    private final Map<String, SecondaryRegistrar> registrars;
    private final Map<String, SecondaryUser> users;

    ForwardingDirectory(Collection<SecondaryRegistrar> registrars, Collection<SecondaryUser> users) {
        Map<String, SecondaryRegistrar> r = new HashMap<>();
        registrars.forEach(x -> r.put(x.domain(), x));
        Map<String, SecondaryUser> u = new HashMap<>();
        users.forEach(x -> u.put(x.username() + "@" + x.domain(), x));
        this.registrars = Map.copyOf(r);
        this.users = Map.copyOf(u);
    }

    static ForwardingDirectory empty() {
        return new ForwardingDirectory(List.of(), List.of());
    }

    /** The tenant's enabled secondary registrar, or null. */
    SecondaryRegistrar enabledFor(String domain) {
        SecondaryRegistrar r = domain == null ? null : registrars.get(domain.toLowerCase(Locale.ROOT));
        return r != null && r.enabled() ? r : null;
    }

    Collection<SecondaryRegistrar> registrars() {
        return registrars.values();
    }

    int size() {
        return registrars.size();
    }

    String secondaryUsername(String username, String domain) {
        SecondaryUser u = users.get(username + "@" + domain);
        return u != null && u.secondaryUsername() != null ? u.secondaryUsername() : username;
    }

    /** {user, password} to answer a challenge with, or null when no password is configured. */
    String[] credentials(SecondaryRegistration reg, SecondaryRegistrar registrar) {
        SecondaryUser u = users.get(reg.username + "@" + reg.domain);
        String password = u != null && u.authPassword() != null ? u.authPassword() : registrar.authPassword();
        if (password == null) {
            return null;
        }
        String user = u != null && u.authUsername() != null ? u.authUsername()
                : registrar.authUsername() != null ? registrar.authUsername() : reg.secondaryUsername;
        return new String[] {user, password};
    }
}
