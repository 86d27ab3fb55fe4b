package io.sipflow.module.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named counters of the modules, per tenant ({@code rejected_regs{tenant="..."}}), with the names
 * operators know from OpenSIPS statistics. Each is a Micrometer counter of the {@code meterRegistry}
 * (Prometheus on {@code /observe/metrics}). Meters are cached by name, then tenant: an increment is
 * two hash lookups of the given strings, no string building, no registry lookup.
 */
public final class ModuleCounters {

    /** The {@code tenant} tag of counts that belong to no tenant (e.g. a REGISTER refused before its domain was known). */
    public static final String NO_TENANT = "none";

    private final MeterRegistry registry;
    private final Map<String, Map<String, Counter>> counters = new ConcurrentHashMap<>();

    /** Counters in a registry of their own (unit tests). */
    public ModuleCounters() {
        this(new SimpleMeterRegistry());
    }

    public ModuleCounters(MeterRegistry registry) {
        this.registry = registry;
    }

    public void increment(String name, String tenant) {
        counter(name, tenant).increment();
    }

    /** The cached counter {@code name{tenant=...}}; keep it to count without any lookup. */
    public Counter counter(String name, String tenant) {
        String t = tenant == null ? NO_TENANT : tenant;
        Map<String, Counter> byTenant = counters.get(name);
        if (byTenant == null) {
            byTenant = counters.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
        }
        Counter c = byTenant.get(t);
        if (c == null) {
            c = byTenant.computeIfAbsent(t, x -> Counter.builder(name).tag("tenant", x).register(registry));
        }
        return c;
    }

    public long get(String name, String tenant) {
        Map<String, Counter> byTenant = counters.get(name);
        Counter c = byTenant == null ? null : byTenant.get(tenant == null ? NO_TENANT : tenant);
        return c == null ? 0 : (long) c.count();
    }

    /** Sum over all tenants. */
    public long total(String name) {
        Map<String, Counter> byTenant = counters.get(name);
        if (byTenant == null) {
            return 0;
        }
        long sum = 0;
        for (Counter c : byTenant.values()) {
            sum += (long) c.count();
        }
        return sum;
    }

    /** name|tenant -> value, sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> result = new TreeMap<>();
        counters.forEach((name, byTenant) -> byTenant.forEach((tenant, c) -> result.put(name + "|" + tenant, (long) c.count())));
        return result;
    }

    public MeterRegistry registry() {
        return registry;
    }
}
