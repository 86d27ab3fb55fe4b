package io.sipflow.module.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipflow.testsupport.Cdrs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON schemas in schemas/ name exactly the fields the events carry (pure logic, no broker). */
class EventSchemasTest {

    @Test
    void cdrSchemaMatchesTheCdrJson() throws Exception {
        CdrEvent cdr = Cdrs.of(CdrOutcome.ANSWERED, "schema@test", "tenant-a.example", Instant.parse("2026-11-23T10:00:00Z"));
        assertMatches("cdr", EventJson.write(cdr));
    }

    @Test
    void registrationSchemaMatchesTheRegistrationJson() throws Exception {
        assertMatches("registration", EventJson.write(RegistrationEvent.forwardingState("201", "tenant-a.example",
                "registered", "registering", "sip:secondary.example", 200, "OK")));
    }

    @Test
    void statsSchemaMatchesTheStatsJson() throws Exception {
        assertMatches("stats", EventJson.write(new StatsEvent("id", Timestamps.ofMillis(0), "node", 60_000,
                List.of(new StatsEvent.Sample("rcv_requests", Map.of("tenant", "a"), 1)), 1)));
    }

    private static void assertMatches(String name, String json) throws Exception {
        JsonNode schema = EventJson.read(Files.readString(Path.of("schemas", name + ".schema.json")));
        JsonNode event = EventJson.read(json);
        List<String> documented = new ArrayList<>();
        schema.get("properties").fieldNames().forEachRemaining(documented::add);
        List<String> actual = new ArrayList<>();
        event.fieldNames().forEachRemaining(actual::add);
        assertThat(actual).containsExactlyInAnyOrderElementsOf(documented);
        schema.get("required").forEach(r -> assertThat(event.get(r.asText()).isNull()).as(r.asText()).isFalse());
    }
}
