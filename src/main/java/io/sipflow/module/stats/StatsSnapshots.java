package io.sipflow.module.stats;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.sipflow.module.events.EventIds;
import io.sipflow.module.events.EventPublisher;
import io.sipflow.module.events.StatsEvent;
import io.sipflow.module.events.Timestamps;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The periodic statistics snapshot (bean {@code stats}, route {@code stats-snapshot}): refreshes the
 * registration gauges, then publishes every SipFlow meter (Camel's and the JVM's own are left to
 * Prometheus) as one {@link StatsEvent}.
 */
public final class StatsSnapshots {

    private static final List<String> FOREIGN_PREFIXES = List.of("camel", "jvm", "process", "system", "executor",
            "logback", "app.info", "disk", "http");

    private final MeterRegistry registry;
    private final RegistrationGauges registrations;
    private final EventPublisher events;
    private final String node;
    private final long intervalMs;

    public StatsSnapshots(MeterRegistry registry, RegistrationGauges registrations, EventPublisher events, String node,
            long intervalMs) {
        this.registry = registry;
        this.registrations = registrations;
        this.events = events;
        this.node = node;
        this.intervalMs = intervalMs;
    }

    /** Refreshes the gauges computed from the location index ({@code registered_users}, ...). */
    public void refreshGauges() {
        registrations.refresh();
    }

    /** Takes and publishes one snapshot; returns it. */
    public StatsEvent snapshot() {
        registrations.refresh();
        List<StatsEvent.Sample> samples = new ArrayList<>();
        for (Meter meter : registry.getMeters()) {
            String name = meter.getId().getName();
            if (isForeign(name)) {
                continue;
            }
            Map<String, String> tags = new LinkedHashMap<>();
            for (Tag t : meter.getId().getTags()) {
                tags.put(t.getKey(), t.getValue());
            }
            if (meter instanceof Timer timer) {
                samples.add(new StatsEvent.Sample(name, tags, timer.count()));
                samples.add(new StatsEvent.Sample(name + "_sum_ms", tags, timer.totalTime(TimeUnit.MILLISECONDS)));
                samples.add(new StatsEvent.Sample(name + "_max_ms", tags, timer.max(TimeUnit.MILLISECONDS)));
            } else {
                meter.measure().forEach(m -> samples.add(new StatsEvent.Sample(name, tags, m.getValue())));
            }
        }
        samples.sort((a, b) -> a.name().equals(b.name()) ? a.tags().toString().compareTo(b.tags().toString())
                : a.name().compareTo(b.name()));
        StatsEvent event = new StatsEvent(EventIds.random(), Timestamps.ofMillis(System.currentTimeMillis()),
                node, intervalMs, samples, StatsEvent.SCHEMA_VERSION);
        events.publish(event);
        return event;
    }

    private static boolean isForeign(String name) {
        for (String p : FOREIGN_PREFIXES) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
