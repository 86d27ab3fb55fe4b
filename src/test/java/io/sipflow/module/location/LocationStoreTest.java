package io.sipflow.module.location;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
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
}
