package io.sipflow.module.tenant;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenSIPS {@code ds_select_dst} with algorithm 0 (hash over Call-ID): the first choice for a
 * Call-ID is stable while the set's health does not change, so the REGISTER that answers a digest
 * challenge reaches the box that issued the nonce. The remaining up destinations follow in order:
 * they are the serial failover candidates.
 */
public final class DispatcherSelector {

    private DispatcherSelector() {
    }

    public static List<DispatcherTarget> candidates(List<DispatcherTarget> set, String callId) {
        if (set.isEmpty()) {
            return List.of();
        }
        // hash over the whole set, then skip what is down: a box going down does not move the
        // Call-IDs that hashed to the other boxes
        int start = Math.floorMod(callId == null ? 0 : callId.hashCode(), set.size());
        List<DispatcherTarget> ordered = new ArrayList<>(set.size());
        for (int i = 0; i < set.size(); i++) {
            DispatcherTarget t = set.get((start + i) % set.size());
            if (t.isUp()) {
                ordered.add(t);
            }
        }
        return ordered;
    }
}
