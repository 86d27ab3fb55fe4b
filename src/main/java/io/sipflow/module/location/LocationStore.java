package io.sipflow.module.location;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The in-memory location index (OpenSIPS usrloc in cached mode): AoR to bindings and contact id to
 * binding, both O(1); no database round trip on the call path. Writes are atomic per AoR.
 * Listeners (the database write-back, registration events) hear about every change.
 */
public final class LocationStore {

    private final Map<String, List<Binding>> byAor = new ConcurrentHashMap<>();
    private final Map<Long, Binding> byContactId = new ConcurrentHashMap<>();
    /** UNIX second -> contact ids filed for the expiry timer then: at or before each binding's expiry (see scheduleExpiry). */
    private final Map<Long, Set<Long>> expiryBuckets = new ConcurrentHashMap<>();
    private final List<LocationListener> listeners = new CopyOnWriteArrayList<>();
    private final DomainCounts domainCounts = new DomainCounts();
    private final int maxContactsPerAor;
    private final MaxContactsPolicy maxContactsPolicy;
    private volatile boolean deferRefreshWrites;
    private volatile long lastReapedSecond = System.currentTimeMillis() / 1000 - 1;

    public LocationStore(int maxContactsPerAor, MaxContactsPolicy maxContactsPolicy) {
        if (maxContactsPerAor <= 0) {
            throw new IllegalArgumentException("sipflow.location.max-contacts must be positive");
        }
        this.maxContactsPerAor = maxContactsPerAor;
        this.maxContactsPolicy = maxContactsPolicy;
    }

    public void addListener(LocationListener listener) {
        listeners.add(listener);
    }

    public int maxContactsPerAor() {
        return maxContactsPerAor;
    }

    public MaxContactsPolicy maxContactsPolicy() {
        return maxContactsPolicy;
    }

    /** Current (non-expired) bindings of {@code user@domain}, best q first; empty when none. */
    public List<Binding> lookup(String user, String domain) {
        List<Binding> bindings = byAor.get(Aors.key(user, domain));
        if (bindings == null) {
            return List.of();
        }
        long now = System.currentTimeMillis() / 1000;
        List<Binding> result = new ArrayList<>(2);
        synchronized (bindings) {
            for (Binding b : bindings) {
                if (!b.isExpired(now)) {
                    result.add(b);
                }
            }
        }
        if (result.size() > 1) {
            result.sort(Comparator.comparingDouble((Binding b) -> b.q()).reversed()
                    .thenComparing(Comparator.comparingLong(Binding::lastModified).reversed()));
        }
        return result;
    }

    /** The binding with this contact id (the Contact-rewrite parameter), or null when unknown or expired. */
    public Binding byContactId(long contactId) {
        Binding b = byContactId.get(contactId);
        return b == null || b.isExpired(System.currentTimeMillis() / 1000) ? null : b;
    }

    /**
     * True when a REGISTER adding {@code newContacts} contacts that are not yet bound would exceed the
     * maximum and the policy is to refuse.
     */
    public boolean wouldRefuse(String user, String domain, Collection<Long> contactIds) {
        if (maxContactsPolicy != MaxContactsPolicy.REJECT) {
            return false;
        }
        List<Binding> bindings = byAor.get(Aors.key(user, domain));
        int existing = 0;
        int fresh = 0;
        if (bindings != null) {
            synchronized (bindings) {
                existing = bindings.size();
                for (Long id : contactIds) {
                    if (bindings.stream().noneMatch(b -> b.contactId() == id)) {
                        fresh++;
                    }
                }
            }
        } else {
            fresh = contactIds.size();
        }
        return existing + fresh > maxContactsPerAor;
    }

    /** Applies an accepted registration (after the PBX's 2xx). */
    public LocationChanges apply(RegistrationUpdate update) {
        String key = Aors.key(update.username(), update.domain());
        List<Binding> added = new ArrayList<>();
        List<Binding> refreshed = new ArrayList<>();
        List<Binding> removed = new ArrayList<>();
        int ignored = 0;
        long nowSeconds = update.nowMillis() / 1000;
        int[] ignoredCount = new int[1];
        withAor(key, update.domain(), bindings -> {
            if (update.wildcard()) {
                // RFC 3261 §10.3 step 6: "*" removes every binding of the AoR
                removed.addAll(bindings);
                bindings.clear();
            }
            for (ContactUpdate contact : update.contacts()) {
                Binding existing = find(bindings, contact.contactId());
                if (existing != null && existing.callId().equals(update.callId()) && existing.cseq() >= update.cseq()) {
                    ignoredCount[0]++; // RFC 3261 §10.3 step 7: an older or repeated REGISTER of the same Call-ID
                    continue;
                }
                if (contact.expiresSeconds() <= 0) {
                    if (existing != null) {
                        bindings.remove(existing);
                        removed.add(existing);
                    }
                    continue;
                }
                long expires = nowSeconds + contact.expiresSeconds();
                Binding binding = new Binding(contact.contactId(), update.username(), update.domain(), contact.contact(),
                        update.received(), update.path(), expires, contact.q(), update.callId(), update.cseq(),
                        update.nowMillis(), update.userAgent(), update.socket(), contact.instance(), update.pbx(),
                        storedExpires(existing, update, contact, nowSeconds, expires));
                if (existing != null) {
                    bindings.set(bindings.indexOf(existing), binding);
                    refreshed.add(binding);
                    if (binding.expires() < existing.expires()) {
                        scheduleExpiry(binding); // earlier than the entry the binding has: see scheduleExpiry
                    }
                } else {
                    if (bindings.size() >= maxContactsPerAor) {
                        // OpenSIPS max_contacts: the oldest binding makes room
                        Binding oldest = bindings.stream().min(Comparator.comparingLong(Binding::lastModified)).orElseThrow();
                        bindings.remove(oldest);
                        removed.add(oldest);
                    }
                    bindings.add(binding);
                    added.add(binding);
                }
            }
            for (Binding b : removed) {
                byContactId.remove(b.contactId(), b);
            }
            for (Binding b : added) {
                index(b);
            }
            for (Binding b : refreshed) {
                byContactId.put(b.contactId(), b);
            }
            if (bindings.isEmpty()) {
                byAor.remove(key, bindings);
            }
            return null;
        });
        ignored = ignoredCount[0];
        LocationChanges changes = new LocationChanges(added, refreshed, removed, List.of(), ignored);
        publish(changes);
        return changes;
    }

    /**
     * Write-back only: a refresh that changes nothing but the expiry, and extends it (same contact,
     * source, path, Call-ID, PBX, ...), is not written while the location table still holds at least half of the
     * newly granted time, so a phone re-registering every minute with Expires 3600 costs one write
     * every half hour, not one a minute. What the table may then hold: an older expiry (never past
     * for a phone that keeps refreshing: it is written again before half of its interval is used up),
     * CSeq and last_modified. After a crash a binding whose phone stopped refreshing can be lost up
     * to half its interval early. Off by default; on with
     * {@code sipflow.location.defer-refresh-writes=true} in write-back mode.
     */
    public void deferExpiryOnlyRefreshWrites(boolean defer) {
        this.deferRefreshWrites = defer;
    }

    private long storedExpires(Binding existing, RegistrationUpdate update, ContactUpdate contact, long nowSeconds,
            long expires) {
        boolean defer = deferRefreshWrites && existing != null && expires > existing.storedExpires()
                && (existing.storedExpires() - nowSeconds) * 2 >= contact.expiresSeconds()
                && sameExceptExpiry(existing, update, contact);
        return defer ? existing.storedExpires() : expires;
    }

    private static boolean sameExceptExpiry(Binding b, RegistrationUpdate update, ContactUpdate contact) {
        return Objects.equals(b.contact(), contact.contact()) && Objects.equals(b.received(), update.received())
                && Objects.equals(b.path(), update.path()) && b.q() == contact.q()
                && Objects.equals(b.callId(), update.callId()) && Objects.equals(b.userAgent(), update.userAgent())
                && Objects.equals(b.socket(), update.socket()) && Objects.equals(b.instance(), contact.instance())
                && Objects.equals(b.pbx(), update.pbx());
    }

    /** Loads bindings from the database at start (no listener is told: they are already stored). */
    public void load(Collection<Binding> stored) {
        for (Binding b : stored) {
            withAor(b.aor(), b.domain(), bindings -> {
                Binding existing = find(bindings, b.contactId());
                if (existing != null) {
                    bindings.remove(existing);
                }
                bindings.add(b);
                index(b);
                return null;
            });
        }
    }

    /** Removes every binding whose time ran out up to {@code nowSeconds}; the expiry timer calls it. */
    public LocationChanges removeExpired(long nowSeconds) {
        List<Binding> expired = new ArrayList<>();
        for (long second = lastReapedSecond; second <= nowSeconds; second++) {
            Set<Long> ids = expiryBuckets.remove(second);
            if (ids == null) {
                continue;
            }
            for (Long id : ids) {
                Binding b = byContactId.get(id);
                if (b == null) {
                    continue; // removed since
                }
                if (b.expires() > nowSeconds) {
                    fileUnder(b.contactId(), b.expires()); // refreshed since: the entry moves to its current expiry
                    continue;
                }
                List<Binding> bindings = byAor.get(b.aor());
                if (bindings == null) {
                    continue;
                }
                synchronized (bindings) {
                    Binding current = byContactId.get(id);
                    if (current != b) { // refreshed, removed or bound again between the look and the lock
                        if (current != null) {
                            fileUnder(id, Math.max(current.expires(), nowSeconds + 1));
                        }
                        continue;
                    }
                    if (bindings.remove(b)) {
                        byContactId.remove(id, b);
                        expired.add(b);
                        domainCounts.changed(b.domain(), bindings.size() + 1, bindings.size());
                    }
                    if (bindings.isEmpty()) {
                        byAor.remove(b.aor(), bindings);
                    }
                }
            }
        }
        lastReapedSecond = nowSeconds + 1;
        if (expired.isEmpty()) {
            return LocationChanges.NONE;
        }
        LocationChanges changes = new LocationChanges(List.of(), List.of(), List.of(), expired, 0);
        publish(changes);
        return changes;
    }

    /** Snapshot of all bindings, optionally of one domain and/or one AoR ({@code ul_dump}). */
    public List<Binding> dump(String domain, String aor) {
        List<Binding> result = new ArrayList<>();
        long now = System.currentTimeMillis() / 1000;
        for (Map.Entry<String, List<Binding>> e : byAor.entrySet()) {
            if (aor != null && !aor.isBlank() && !e.getKey().equals(aor)) {
                continue;
            }
            List<Binding> bindings = e.getValue();
            synchronized (bindings) {
                for (Binding b : bindings) {
                    if (!b.isExpired(now) && (domain == null || domain.isBlank() || b.domain().equalsIgnoreCase(domain))) {
                        result.add(b);
                    }
                }
            }
        }
        result.sort(Comparator.comparing(Binding::domain).thenComparing(Binding::username));
        return result;
    }

    /**
     * Per domain (lower case): {@code [users, contacts]} bound (registered_users,
     * registered_contacts), from counters the changes keep up to date: no scan, whatever the number
     * of bindings. A binding counts until the expiry timer removes it (at most
     * {@code sipflow.location.expiry-interval} after its expiry); a domain whose last binding went
     * away reads zeros.
     */
    public Map<String, long[]> countsByDomain() {
        return domainCounts.snapshot();
    }

    /** The bindings whose latest refresh was not written ({@link Binding#isStoreBehind}): written on a graceful stop. */
    public List<Binding> storeBehind() {
        List<Binding> behind = new ArrayList<>();
        for (Binding b : byContactId.values()) {
            if (b.isStoreBehind()) {
                behind.add(b);
            }
        }
        return behind;
    }

    public int aorCount() {
        return byAor.size();
    }

    public int bindingCount() {
        return byContactId.size();
    }

    /**
     * Runs {@code action} holding the AoR's lock, on the list that is in the map: an empty list is
     * removed from the map under its lock, so a writer that finds its list detached retries on the
     * new one instead of losing a binding.
     */
    private <T> T withAor(String key, String domain, java.util.function.Function<List<Binding>, T> action) {
        while (true) {
            List<Binding> bindings = byAor.computeIfAbsent(key, k -> new ArrayList<>(2));
            synchronized (bindings) {
                if (byAor.get(key) == bindings) {
                    int before = bindings.size();
                    T result = action.apply(bindings);
                    domainCounts.changed(domain, before, bindings.size());
                    return result;
                }
            }
        }
    }

    private void index(Binding b) {
        byContactId.put(b.contactId(), b);
        scheduleExpiry(b);
    }

    /**
     * Files the binding's contact id under its expiry second. Every binding has an entry at or
     * before its expiry; a refresh that extends it files nothing: when the timer reaches the old
     * entry it finds the binding still valid and files it under its new expiry then. So a phone
     * that refreshes every minute with Expires 3600 costs one entry and one move an hour, not one
     * entry a minute (with a new entry per refresh, 1,000,000 such phones piled up 60,000,000
     * entries). Only a refresh that shortens the expiry files a second, earlier entry.
     */
    private void scheduleExpiry(Binding b) {
        fileUnder(b.contactId(), Math.max(b.expires(), lastReapedSecond));
    }

    private void fileUnder(long contactId, long second) {
        expiryBuckets.computeIfAbsent(second, s -> ConcurrentHashMap.newKeySet()).add(contactId);
    }

    /** Contact ids filed for the expiry timer, over all seconds (a test's view of the bookkeeping). */
    int scheduledExpiries() {
        int n = 0;
        for (Set<Long> ids : expiryBuckets.values()) {
            n += ids.size();
        }
        return n;
    }

    private static Binding find(List<Binding> bindings, long contactId) {
        for (Binding b : bindings) {
            if (b.contactId() == contactId) {
                return b;
            }
        }
        return null;
    }

    private void publish(LocationChanges changes) {
        if (changes.isEmpty()) {
            return;
        }
        for (LocationListener l : listeners) {
            l.onChanges(changes);
        }
    }
}
