package io.sipflow.module.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Named counters of the modules, per tenant ({@code rejected_regs{tenant=...}}), with the names
 * operators know from OpenSIPS statistics. The statistics module exports them as meters.
 */
public final class ModuleCounters {

    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();

    public void increment(String name, String tenant) {
        counters.computeIfAbsent(key(name, tenant), k -> new LongAdder()).increment();
    }

    public long get(String name, String tenant) {
        LongAdder a = counters.get(key(name, tenant));
        return a == null ? 0 : a.sum();
    }

    /** Sum over all tenants. */
    public long total(String name) {
        long sum = 0;
        for (Map.Entry<String, LongAdder> e : counters.entrySet()) {
            if (e.getKey().startsWith(name + "|")) {
                sum += e.getValue().sum();
            }
        }
        return sum;
    }

    /** name|tenant -> value, sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> result = new TreeMap<>();
        counters.forEach((k, v) -> result.put(k, v.sum()));
        return result;
    }

    private static String key(String name, String tenant) {
        return name + "|" + (tenant == null ? "" : tenant);
    }
}
