package io.sipflow.module.stats;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sipflow.module.location.LocationStore;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code registered_users} and {@code registered_contacts} per tenant (OpenSIPS usrloc), counted
 * from the location index by {@link #refresh()}, which the statistics route calls periodically.
 * A tenant whose last binding went away reads 0.
 */
public final class RegistrationGauges {

    private final MeterRegistry registry;
    private final LocationStore store;
    private final Map<String, AtomicLong[]> gauges = new ConcurrentHashMap<>();

    public RegistrationGauges(MeterRegistry registry, LocationStore store) {
        this.registry = registry;
        this.store = store;
    }

    public void refresh() {
        Map<String, long[]> counts = store.countsByDomain();
        counts.forEach((tenant, c) -> {
            AtomicLong[] g = gauges.computeIfAbsent(tenant, this::register);
            g[0].set(c[0]);
            g[1].set(c[1]);
        });
        gauges.forEach((tenant, g) -> {
            if (!counts.containsKey(tenant)) {
                g[0].set(0);
                g[1].set(0);
            }
        });
    }

    private AtomicLong[] register(String tenant) {
        AtomicLong users = new AtomicLong();
        AtomicLong contacts = new AtomicLong();
        Gauge.builder("registered_users", users, AtomicLong::get).tag("tenant", tenant).register(registry);
        Gauge.builder("registered_contacts", contacts, AtomicLong::get).tag("tenant", tenant).register(registry);
        return new AtomicLong[] {users, contacts};
    }
}
