package io.sipflow.module.events;

import io.sipflow.module.location.Binding;
import io.sipflow.module.location.LocationChanges;
import io.sipflow.module.location.LocationListener;

import java.util.List;

/**
 * Turns every change of the location store into registration events: {@code binding_added},
 * {@code binding_refreshed} (unless turned off: {@code sipflow.events.binding-refreshed}),
 * {@code binding_removed}, {@code binding_expired}. Runs on the thread that changed the store;
 * publishing never blocks.
 */
public final class RegistrationEvents implements LocationListener {

    private final EventPublisher publisher;
    private final boolean refreshes;

    public RegistrationEvents(EventPublisher publisher) {
        this(publisher, true);
    }

    /**
     * @param refreshes whether a refresh (a phone re-registering an unchanged binding, most
     *                  REGISTERs) is an event too
     */
    public RegistrationEvents(EventPublisher publisher, boolean refreshes) {
        this.publisher = publisher;
        this.refreshes = refreshes;
    }

    @Override
    public void onChanges(LocationChanges changes) {
        publish(RegistrationEventKind.BINDING_ADDED, changes.added());
        if (refreshes) {
            publish(RegistrationEventKind.BINDING_REFRESHED, changes.refreshed());
        }
        publish(RegistrationEventKind.BINDING_REMOVED, changes.removed());
        publish(RegistrationEventKind.BINDING_EXPIRED, changes.expired());
    }

    private void publish(RegistrationEventKind kind, List<Binding> bindings) {
        for (Binding b : bindings) {
            publisher.publish(RegistrationEvent.binding(kind, b.username(), b.domain(), b.contact(), b.received(),
                    b.expires(), b.callId(), b.userAgent(), b.pbx()));
        }
    }
}
