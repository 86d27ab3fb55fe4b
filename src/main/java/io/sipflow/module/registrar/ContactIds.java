package io.sipflow.module.registrar;

import io.sipflow.module.location.Aors;

import java.nio.charset.StandardCharsets;

/**
 * The id of a binding: a 63-bit hash of AoR and contact URI, so a refresh of the same contact keeps
 * its id (and the Contact-rewrite parameter the PBX stored stays valid).
 */
public final class ContactIds {

    private ContactIds() {
    }

    public static long of(String user, String domain, String contactUri) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (Aors.key(user, domain) + "|" + contactUri).getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 29;
        long id = h & Long.MAX_VALUE;
        return id == 0 ? 1 : id;
    }

    public static String toParam(long contactId) {
        return Long.toString(contactId, 36);
    }

    /** Parses the Contact-rewrite parameter; -1 when it is not one of ours. */
    public static long fromParam(String value) {
        if (value == null || value.isEmpty() || value.length() > 13) {
            return -1;
        }
        try {
            return Long.parseLong(value, 36);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
