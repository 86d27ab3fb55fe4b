package io.sipflow.module.location;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Registered users and contacts per domain, kept up to date as an AoR's bindings come and go
 * (registered_users / registered_contacts), so reading them costs one entry per tenant instead of
 * a scan of every binding: a scan of 1,000,000 bindings every statistics interval was most of a
 * core's time between two reads. The store reports each AoR's binding count before and after every
 * change, under the AoR's lock; a refresh changes no count and costs nothing here.
 */
final class DomainCounts {

    private record Counts(AtomicLong users, AtomicLong contacts) {
    }

    private final Map<String, Counts> byDomain = new ConcurrentHashMap<>();

    /** An AoR of {@code domain} went from {@code before} to {@code after} bindings. */
    void changed(String domain, int before, int after) {
        if (before == after) {
            return;
        }
        Counts c = byDomain.computeIfAbsent(key(domain), d -> new Counts(new AtomicLong(), new AtomicLong()));
        c.contacts().addAndGet(after - before);
        int users = (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
        if (users != 0) {
            c.users().addAndGet(users);
        }
    }

    /** Per domain (lower case): {@code [users, contacts]}; a domain whose last binding went away reads zeros. */
    Map<String, long[]> snapshot() {
        Map<String, long[]> result = new HashMap<>();
        byDomain.forEach((domain, c) -> result.put(domain, new long[] {c.users().get(), c.contacts().get()}));
        return result;
    }

    private static String key(String domain) {
        return domain == null ? "" : domain.toLowerCase(Locale.ROOT);
    }
}
