package io.sipflow.module.forwarding;

import io.sipflow.module.events.EventPublisher;
import io.sipflow.module.events.RegistrationEvent;

/** Every forwarding state change becomes a {@code forwarding_state} registration event. */
public final class ForwardingEvents implements ForwardingListener {

    private final EventPublisher events;

    public ForwardingEvents(EventPublisher events) {
        this.events = events;
    }

    @Override
    public void onStateChange(SecondaryRegistrationRow row, ForwardingState previous) {
        events.publish(RegistrationEvent.forwardingState(row.username(), row.domain(), row.state().label(),
                previous == null ? null : previous.label(), row.registrar(), row.lastCode() == 0 ? null : row.lastCode(),
                row.lastReason()));
    }
}
