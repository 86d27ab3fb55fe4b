package io.sipflow.module.location;

import java.util.Locale;

/** Address-of-record keys: {@code user@domain}, domain case-insensitive (RFC 3261 §10.3), user exact. */
public final class Aors {

    private Aors() {
    }

    public static String key(String user, String domain) {
        return (user == null ? "" : user) + "@" + (domain == null ? "" : domain.toLowerCase(Locale.ROOT));
    }
}
