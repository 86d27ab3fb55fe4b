package io.sipflow.module.forwarding;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gauge {@code forwarding_registrations{tenant, state}}: how many AoRs of each tenant are in each
 * forwarding state (refreshed by the forwarding timer). Registered per tenant on first sight.
 */
public final class ForwardingMeters {

    private final MeterRegistry registry;
    private final ForwardingService service;
    private final Set<String> tenants = ConcurrentHashMap.newKeySet();

    public ForwardingMeters(MeterRegistry registry, ForwardingService service) {
        this.registry = registry;
        this.service = service;
    }

    /** Registers the gauges of tenants not seen before; call after each reload and timer tick. */
    public void register(Iterable<String> domains) {
        for (String tenant : domains) {
            if (tenants.add(tenant)) {
                for (ForwardingState state : ForwardingState.values()) {
                    Gauge.builder("forwarding_registrations", service, s -> count(s.countsByTenantAndState(), tenant, state))
                            .description("AoRs of the tenant in this secondary registration state")
                            .tag("tenant", tenant).tag("state", state.label()).register(registry);
                }
            }
        }
    }

    private static double count(Map<String, Map<ForwardingState, Integer>> counts, String tenant, ForwardingState state) {
        Map<ForwardingState, Integer> byState = counts.get(tenant);
        Integer n = byState == null ? null : byState.get(state);
        return n == null ? 0 : n;
    }
}
