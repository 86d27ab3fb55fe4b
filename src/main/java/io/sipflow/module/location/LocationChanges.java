package io.sipflow.module.location;

import java.util.List;

/**
 * What a save or an expiry actually changed: the write-back and the registration events use it.
 *
 * @param added     bindings that did not exist before
 * @param refreshed bindings replaced by a newer registration of the same contact
 * @param removed   bindings removed by de-registration or eviction
 * @param expired   bindings removed because their time ran out
 * @param ignored   contacts skipped because their CSeq was not newer than the stored one
 */
public record LocationChanges(List<Binding> added, List<Binding> refreshed, List<Binding> removed,
        List<Binding> expired, int ignored) {

    public static final LocationChanges NONE = new LocationChanges(List.of(), List.of(), List.of(), List.of(), 0);

    public boolean isEmpty() {
        return added.isEmpty() && refreshed.isEmpty() && removed.isEmpty() && expired.isEmpty();
    }
}
