package io.sipflow.module.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipflow.module.location.Binding;
import io.sipflow.module.location.LocationChanges;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegistrationEventsListenerTest {

    private final List<SipFlowEvent> published = new ArrayList<>();

    @Test
    void everyChangeIsAnEventByDefault() {
        new RegistrationEvents(published::add).onChanges(changes());
        assertThat(kinds()).containsExactly("binding_added", "binding_refreshed", "binding_removed", "binding_expired");
    }

    @Test
    void refreshesCanBeLeftOut() {
        new RegistrationEvents(published::add, false).onChanges(changes());
        assertThat(kinds()).containsExactly("binding_added", "binding_removed", "binding_expired");
    }

    private List<String> kinds() {
        return published.stream().map(e -> EventJson.read(EventJson.write(e)).get("event").asText()).toList();
    }

    private static LocationChanges changes() {
        return new LocationChanges(List.of(binding(1)), List.of(binding(2)), List.of(binding(3)), List.of(binding(4)), 0);
    }

    private static Binding binding(long id) {
        return new Binding(id, "u" + id, "tenant-a.example", "sip:u" + id + "@192.0.2.1:5060", "sip:198.51.100.1:5060", null,
                1_800_000_000L, 1.0f, "call-" + id, 1, 1_779_580_521_042L, "ua", "udp:127.0.0.1:5060", null,
                "sip:127.0.0.2:5060");
    }
}
