package io.sipflow.module.events;

import java.util.List;
import java.util.Map;

/**
 * A periodic snapshot of SipFlow's meters (schema {@code schemas/stats.schema.json}); Kafka key =
 * node name. One row of the {@code stats} table.
 *
 * @param eventId       unique id of the snapshot
 * @param time          when it was taken, UTC ISO-8601 with milliseconds
 * @param node          which SipFlow instance ({@code sipflow.events.node})
 * @param intervalMs    the snapshot period
 * @param meters        every meter's value at that time
 * @param schemaVersion {@link SipFlowEvent#SCHEMA_VERSION}
 */
public record StatsEvent(String eventId, String time, String node, long intervalMs, List<Sample> meters,
        int schemaVersion) implements SipFlowEvent {

    public StatsEvent {
        meters = meters == null ? List.of() : List.copyOf(meters);
    }

    @Override
    public EventType type() {
        return EventType.STATS;
    }

    @Override
    public String key() {
        return node;
    }

    /**
     * One meter's value: counters their running total, gauges their current value, timers their
     * count ({@code name}), total ({@code name + "_sum_ms"}) and maximum ({@code name + "_max_ms"}).
     *
     * @param name  OpenSIPS-style name, e.g. {@code accepted_regs}
     * @param tags  its tags, e.g. {@code tenant}
     * @param value its value
     */
    public record Sample(String name, Map<String, String> tags, double value) {
        public Sample {
            tags = tags == null ? Map.of() : Map.copyOf(tags);
        }
    }
}
