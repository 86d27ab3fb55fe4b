package io.sipflow.module.location;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Route facade of the location module ({@code bean:location}): expiry timer and the bindings view. */
public final class LocationBean {

    private static final Logger LOG = LoggerFactory.getLogger(LocationBean.class);

    private final LocationStore store;
    private final LocationWriter writer;

    public LocationBean(LocationStore store, LocationWriter writer) {
        this.store = store;
        this.writer = writer;
    }

    /** Removes the bindings whose time ran out (memory now, the database through the writer). */
    public int removeExpired() {
        LocationChanges changes = store.removeExpired(System.currentTimeMillis() / 1000);
        for (Binding b : changes.expired()) {
            LOG.info("Binding expired: {} -> {}", b.aor(), b.contact());
        }
        return changes.expired().size();
    }

    /** {@code ul_dump}: bindings, optionally of one domain and/or AoR, as JSON-friendly maps. */
    public Map<String, Object> dump(String domain, String aor) {
        List<Binding> bindings = store.dump(domain, aor);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("aors", bindings.stream().map(Binding::aor).distinct().count());
        result.put("contacts", bindings.size());
        result.put("databaseUp", writer == null || writer.isDatabaseUp());
        result.put("pendingWrites", writer == null ? 0 : writer.pendingCount());
        result.put("bindings", bindings);
        return result;
    }

    public LocationStore store() {
        return store;
    }
}
