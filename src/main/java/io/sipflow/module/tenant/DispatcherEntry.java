package io.sipflow.module.tenant;

/**
 * A row of the OpenSIPS 3.x {@code dispatcher} table.
 *
 * @param state     0 active, 1 inactive (administratively off), 2 probing
 * @param probeMode 0 probe only when not active, 1 always probe
 */
public record DispatcherEntry(int id, int setId, String destination, String socket, int state, int probeMode,
        int weight, int priority, String attrs, String description) {
}
