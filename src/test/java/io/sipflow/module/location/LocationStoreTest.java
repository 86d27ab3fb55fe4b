package io.sipflow.module.location;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The location index's save semantics, as pure logic (no SIP, no database). */
class LocationStoreTest {

    private static final long NOW = 1_800_000_000_000L;

    private static RegistrationUpdate update(String user, boolean wildcard, long cseq, String callId, long nowMillis,
            ContactUpdate... contacts) {
        return new RegistrationUpdate(user, "tenant-a.example", wildcard, List.of(contacts), "sip:192.0.2.1:5060", null,
                callId, cseq, "ua", "udp:127.0.0.1:5060", "sip:pbx", nowMillis);
    }

    @Test
    void beyondMaxContactsTheOldestBindingIsEvicted() {
        LocationStore store = new LocationStore(2, MaxContactsPolicy.EVICT_OLDEST);
        List<LocationChanges> seen = new ArrayList<>();
        store.addListener(seen::add);
        store.apply(update("201", false, 1, "c1", NOW, new ContactUpdate(1, "sip:a@1", 300, 1f, null)));
        store.apply(update("201", false, 1, "c2", NOW + 1000, new ContactUpdate(2, "sip:b@2", 300, 1f, null)));
        LocationChanges third = store.apply(update("201", false, 1, "c3", NOW + 2000, new ContactUpdate(3, "sip:c@3", 300, 1f, null)));

        assertThat(third.removed()).extracting(Binding::contactId).containsExactly(1L);
        assertThat(store.dump(null, null)).extracting(Binding::contactId).containsExactlyInAnyOrder(2L, 3L);
        assertThat(store.wouldRefuse("201", "tenant-a.example", List.of(4L))).isFalse();
        assertThat(seen).hasSize(3);
    }

    @Test
    void rejectPolicyRefusesANewContactBeyondTheMaximumButNotARefresh() {
        LocationStore store = new LocationStore(1, MaxContactsPolicy.REJECT);
        store.apply(update("202", false, 1, "c1", System.currentTimeMillis(), new ContactUpdate(1, "sip:a@1", 300, 1f, null)));
        assertThat(store.wouldRefuse("202", "tenant-a.example", List.of(2L))).isTrue();
        assertThat(store.wouldRefuse("202", "tenant-a.example", List.of(1L))).isFalse();
    }

    @Test
    void aRefreshThatOnlyMovesTheExpiryIsLeftOutWhileTheTableHoldsHalfTheInterval() {
        LocationStore store = new LocationStore(10, MaxContactsPolicy.EVICT_OLDEST);
        store.deferExpiryOnlyRefreshWrites(true);
        List<Binding> written = new ArrayList<>();
        LocationWriter writer = writerInto(written);
        store.addListener(writer);
        long t0 = NOW;
        store.apply(update("204", false, 1, "c1", t0, new ContactUpdate(1, "sip:a@1", 3600, 1f, null)));
        writer.flush();
        long stored = t0 / 1000 + 3600;
        assertThat(written).extracting(Binding::expires).containsExactly(stored);

        // a minute later: 3,540 s still in the table >= 1,800 -> left out, the store knows it is behind
        store.apply(update("204", false, 2, "c1", t0 + 60_000, new ContactUpdate(1, "sip:a@1", 3600, 1f, null)));
        writer.flush();
        Binding refreshed = store.byContactId(1);
        assertThat(refreshed.expires()).isEqualTo(t0 / 1000 + 60 + 3600);
        assertThat(refreshed.storedExpires()).isEqualTo(stored);
        assertThat(refreshed.isStoreBehind()).isTrue();
        assertThat(store.storeBehind()).containsExactly(refreshed);
        assertThat(written).hasSize(1);

        // 1,801 s after the write the table holds 1,799 s < half of 3,600: written again
        store.apply(update("204", false, 3, "c1", t0 + 1_801_000, new ContactUpdate(1, "sip:a@1", 3600, 1f, null)));
        writer.flush();
        assertThat(store.byContactId(1).isStoreBehind()).isFalse();
        assertThat(written).hasSize(2);

        // anything but the expiry changed (here the NAT source): written at once
        RegistrationUpdate moved = new RegistrationUpdate("204", "tenant-a.example", false,
                List.of(new ContactUpdate(1, "sip:a@1", 3600, 1f, null)), "sip:192.0.2.9:6000", null, "c1", 4, "ua",
                "udp:127.0.0.1:5060", "sip:pbx", t0 + 1_802_000);
        store.apply(moved);
        writer.flush();
        assertThat(written).hasSize(3);
        assertThat(written.get(2).received()).isEqualTo("sip:192.0.2.9:6000");
        assertThat(store.storeBehind()).isEmpty();

        // left out again, then written as it is when asked (a graceful stop)
        store.apply(new RegistrationUpdate("204", "tenant-a.example", false,
                List.of(new ContactUpdate(1, "sip:a@1", 3600, 1f, null)), "sip:192.0.2.9:6000", null, "c1", 5, "ua",
                "udp:127.0.0.1:5060", "sip:pbx", t0 + 1_900_000));
        writer.flush();
        assertThat(written).hasSize(3);
        writer.write(store.storeBehind());
        writer.flush();
        assertThat(written).hasSize(4);
        assertThat(written.get(3).expires()).isEqualTo(t0 / 1000 + 1_900 + 3600);
        writer.close();
    }

    @Test
    void withoutDeferringEveryRefreshIsWritten() {
        LocationStore store = new LocationStore(10, MaxContactsPolicy.EVICT_OLDEST);
        List<Binding> written = new ArrayList<>();
        LocationWriter writer = writerInto(written);
        store.addListener(writer);
        store.apply(update("205", false, 1, "c1", NOW, new ContactUpdate(1, "sip:a@1", 3600, 1f, null)));
        writer.flush();
        store.apply(update("205", false, 2, "c1", NOW + 60_000, new ContactUpdate(1, "sip:a@1", 3600, 1f, null)));
        writer.flush();
        assertThat(written).hasSize(2);
        assertThat(store.storeBehind()).isEmpty();
        writer.close();
    }

    /** A write-back writer (flushed by hand) whose upserts land in {@code written}. */
    private static LocationWriter writerInto(List<Binding> written) {
        LocationPersistence memory = new LocationPersistence() {
            @Override
            public void upsert(java.util.Collection<Binding> bindings) {
                written.addAll(bindings);
            }

            @Override
            public void delete(java.util.Collection<Long> contactIds) {
            }

            @Override
            public List<Binding> loadActive(long nowEpochSeconds) {
                return List.of();
            }
        };
        return new LocationWriter(memory, LocationWriter.Mode.WRITE_BACK, java.time.Duration.ofHours(1));
    }

    @Test
    void anOlderCSeqOfTheSameCallIdIsIgnoredAndANewerOneRefreshes() {
        LocationStore store = new LocationStore(10, MaxContactsPolicy.EVICT_OLDEST);
        long now = System.currentTimeMillis();
        store.apply(update("203", false, 5, "c1", now, new ContactUpdate(1, "sip:a@1", 300, 1f, null)));
        LocationChanges older = store.apply(update("203", false, 4, "c1", now, new ContactUpdate(1, "sip:a@1", 0, 1f, null)));
        assertThat(older.ignored()).isEqualTo(1);
        assertThat(store.lookup("203", "tenant-a.example")).hasSize(1);
        LocationChanges newer = store.apply(update("203", false, 6, "c1", now, new ContactUpdate(1, "sip:a@1", 600, 1f, null)));
        assertThat(newer.refreshed()).hasSize(1);
        assertThat(store.byContactId(1).cseq()).isEqualTo(6);
    }

    @Test
    void wildcardRemovesEveryBindingAndExpiryRemovesOnlyWhatRanOut() {
        LocationStore store = new LocationStore(10, MaxContactsPolicy.EVICT_OLDEST);
        long now = System.currentTimeMillis();
        store.apply(update("204", false, 1, "c1", now, new ContactUpdate(1, "sip:a@1", 300, 1f, null),
                new ContactUpdate(2, "sip:b@2", 300, 1f, null)));
        assertThat(store.apply(update("204", true, 2, "c2", now)).removed()).hasSize(2);
        assertThat(store.lookup("204", "tenant-a.example")).isEmpty();

        store.apply(update("205", false, 1, "c3", now, new ContactUpdate(3, "sip:a@3", 1, 1f, null),
                new ContactUpdate(4, "sip:b@4", 300, 1f, null)));
        LocationChanges expired = store.removeExpired(now / 1000 + 2);
        assertThat(expired.expired()).extracting(Binding::contactId).containsExactly(3L);
        assertThat(store.lookup("205", "tenant-a.example")).extracting(Binding::contactId).containsExactly(4L);
        assertThat(store.bindingCount()).isEqualTo(1);
    }

    @Test
    void lookupIsPerTenantDomainNeverAcrossDomains() {
        LocationStore store = new LocationStore(10, MaxContactsPolicy.EVICT_OLDEST);
        store.apply(update("201", false, 1, "c1", System.currentTimeMillis(), new ContactUpdate(1, "sip:a@1", 300, 1f, null)));
        assertThat(store.lookup("201", "tenant-b.example")).isEmpty();
        assertThat(store.lookup("201", "TENANT-A.example")).hasSize(1);
    }

    @Test
    void registeredUsersAndContactsPerDomainFollowEveryKindOfChangeWithoutAScan() {
        LocationStore store = new LocationStore(3, MaxContactsPolicy.EVICT_OLDEST);
        java.util.Random random = new java.util.Random(7);
        String[] domains = {"tenant-a.example", "TENANT-A.example", "tenant-b.example"};
        long realNow = System.currentTimeMillis();
        for (int step = 0; step < 3000; step++) {
            String user = Integer.toString(200 + random.nextInt(30));
            String domain = domains[random.nextInt(domains.length)];
            boolean ranOut = random.nextInt(6) == 0; // registered two hours ago for a minute: the timer removes it
            long nowMillis = ranOut ? realNow - 7_200_000 : NOW;
            int expires = ranOut ? 60 : random.nextInt(4) == 0 ? 0 : 3600; // 0 removes the binding
            // ids unique per AoR and contact, as ContactIds makes them; 5 contacts for a maximum of 3: evictions
            long contactId = (domain.startsWith("tenant-b") ? 100_000 : 0) + Long.parseLong(user) * 10 + random.nextInt(5);
            boolean wildcard = random.nextInt(40) == 0;
            List<ContactUpdate> contacts = wildcard ? List.of()
                    : List.of(new ContactUpdate(contactId, "sip:" + contactId + "@192.0.2.1", expires, 1f, null));
            store.apply(new RegistrationUpdate(user, domain, wildcard, contacts, "sip:192.0.2.1:5060", null,
                    "call-" + step, step, "ua", "udp:127.0.0.1:5060", "sip:pbx", nowMillis));
            if (step % 100 == 99) {
                store.removeExpired(realNow / 1000 + step / 100); // a second later each time: the timer's pace
                assertThat(bound(store.countsByDomain())).as("after step %d", step).isEqualTo(bound(scan(store)));
            }
        }
        Map<String, long[]> counts = store.countsByDomain();
        assertThat(counts.get("tenant-a.example")[1] + counts.get("tenant-b.example")[1]).isEqualTo(store.bindingCount())
                .isPositive();

        LocationStore restarted = new LocationStore(3, MaxContactsPolicy.EVICT_OLDEST);
        restarted.load(store.dump(null, null));
        assertThat(bound(restarted.countsByDomain())).isEqualTo(bound(scan(store)));
    }

    @Test
    void refreshesKeepOneExpiryEntryPerBindingAndTheBindingStillExpiresAtItsLatestTime() {
        LocationStore store = new LocationStore(10, MaxContactsPolicy.EVICT_OLDEST);
        long t0 = System.currentTimeMillis();
        for (int i = 0; i < 100; i++) { // a phone refreshing every second with Expires 60
            store.apply(update("206", false, i + 1, "c1", t0 + i * 1000L, new ContactUpdate(1, "sip:a@1", 60, 1f, null)));
        }
        assertThat(store.scheduledExpiries()).isEqualTo(1);
        long latestExpiry = t0 / 1000 + 99 + 60;

        // the timer reaches the first entry (t0 + 60): the binding is still valid and moves, it is not removed
        assertThat(store.removeExpired(t0 / 1000 + 60).expired()).isEmpty();
        assertThat(store.byContactId(1)).isNotNull();
        assertThat(store.scheduledExpiries()).isEqualTo(1);
        assertThat(store.removeExpired(latestExpiry - 1).expired()).isEmpty();
        assertThat(store.removeExpired(latestExpiry).expired()).extracting(Binding::contactId).containsExactly(1L);
        assertThat(store.scheduledExpiries()).isZero();

        // a refresh that shortens the expiry files an earlier entry: it expires then, not at the old time
        LocationStore other = new LocationStore(10, MaxContactsPolicy.EVICT_OLDEST);
        other.apply(update("207", false, 1, "c2", t0, new ContactUpdate(2, "sip:b@2", 3600, 1f, null)));
        other.apply(update("207", false, 2, "c2", t0, new ContactUpdate(2, "sip:b@2", 30, 1f, null)));
        assertThat(other.removeExpired(t0 / 1000 + 29).expired()).isEmpty();
        assertThat(other.removeExpired(t0 / 1000 + 30).expired()).extracting(Binding::contactId).containsExactly(2L);
    }

    /** {@code domain -> [users, contacts]} as comparable lists, domains with no binding left out. */
    private static Map<String, List<Long>> bound(Map<String, long[]> counts) {
        Map<String, List<Long>> result = new java.util.TreeMap<>();
        counts.forEach((domain, c) -> {
            if (c[0] != 0 || c[1] != 0) {
                result.put(domain, List.of(c[0], c[1]));
            }
        });
        return result;
    }

    /** What the statistics scanned for before the counters: live bindings per domain, users with at least one. */
    private static Map<String, long[]> scan(LocationStore store) {
        Map<String, long[]> counts = new java.util.HashMap<>();
        Map<String, java.util.Set<String>> users = new java.util.HashMap<>();
        for (Binding b : store.dump(null, null)) {
            String domain = b.domain().toLowerCase(java.util.Locale.ROOT);
            counts.computeIfAbsent(domain, d -> new long[2])[1]++;
            users.computeIfAbsent(domain, d -> new java.util.HashSet<>()).add(b.username());
        }
        users.forEach((domain, u) -> counts.get(domain)[0] = u.size());
        return counts;
    }
}
