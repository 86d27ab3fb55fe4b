package io.sipflow.module.stats;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The dialog meters of OpenSIPS' dialog module, per tenant, for the call (CDR) tracker: bean
 * {@code dialogMeters}.
 *
 * <pre>{@code
 * dialogMeters.started(tenant);          // INVITE answered 2xx: active_dialogs +1
 * dialogMeters.ended(tenant);            // BYE / timeout of an answered call: active_dialogs -1, processed_dialogs +1
 * dialogMeters.failed(tenant);           // a call that was never answered: processed_dialogs +1, failed_dialogs +1
 * }</pre>
 *
 * Meters are created once per tenant and cached; calls are lock-free.
 */
public final class DialogMeters {

    private final MeterRegistry registry;
    private final Map<String, PerTenant> tenants = new ConcurrentHashMap<>();

    public DialogMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A dialog was established (2xx to the INVITE). */
    public void started(String tenant) {
        of(tenant).active.incrementAndGet();
    }

    /** An established dialog ended (BYE, or closed by the maximum dialog time). */
    public void ended(String tenant) {
        PerTenant t = of(tenant);
        t.active.decrementAndGet();
        t.processed.increment();
    }

    /** A call that never became a dialog (failed, missed, cancelled). */
    public void failed(String tenant) {
        PerTenant t = of(tenant);
        t.processed.increment();
        t.failed.increment();
    }

    public long active(String tenant) {
        return of(tenant).active.get();
    }

    private PerTenant of(String tenant) {
        String t = tenant == null ? ModuleCounters.NO_TENANT : tenant;
        PerTenant p = tenants.get(t);
        return p != null ? p : tenants.computeIfAbsent(t, x -> new PerTenant(registry, x));
    }

    private static final class PerTenant {
        final AtomicLong active = new AtomicLong();
        final Counter processed;
        final Counter failed;

        PerTenant(MeterRegistry registry, String tenant) {
            Gauge.builder("active_dialogs", active, AtomicLong::get).tag("tenant", tenant).register(registry);
            processed = Counter.builder("processed_dialogs").tag("tenant", tenant).register(registry);
            failed = Counter.builder("failed_dialogs").tag("tenant", tenant).register(registry);
        }
    }
}
