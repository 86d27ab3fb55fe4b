package io.sipflow.module.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.format.DateTimeParseException;
import org.junit.jupiter.api.Test;

/** Reading event fields for the MySQL columns, and event timestamps as SQL DATETIME text (pure logic). */
class EventFieldsTest {

    @Test
    void scalarsArraysAndObjects() {
        EventFields f = EventFields.parse("{\"s\":\"a\\tb\",\"n\":42,\"big\":9007199254740993,\"nul\":null,"
                + "\"flags\":[\"x\",\"y\"],\"meters\":{\"a\":{\"b\":[1,2]}},\"d\":1.5,\"t\":true}");
        assertThat(f.text("s")).isEqualTo("a\tb");
        assertThat(f.text("n")).isEqualTo("42");
        assertThat(f.integer("n")).isEqualTo(42);
        assertThat(f.longValue("big", 0)).isEqualTo(9_007_199_254_740_993L);
        assertThat(f.text("nul")).isNull();
        assertThat(f.integer("nul")).isNull();
        assertThat(f.longValue("missing", 7)).isEqualTo(7);
        assertThat(f.texts("flags")).containsExactly("x", "y");
        assertThat(f.texts("missing")).isEmpty();
        assertThat(f.text("meters")).isEqualTo("{\"a\":{\"b\":[1,2]}}");
        assertThat(f.text("flags")).isEqualTo("[\"x\",\"y\"]");
        assertThat(f.text("d")).isEqualTo("1.5");
        assertThat(f.text("t")).isEqualTo("true");
        assertThat(f.integer("s")).isNull();
    }

    @Test
    void notAnObjectIsRefusedWithTheReason() {
        assertThatThrownBy(() -> EventFields.parse("[1]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> EventFields.parse("{\"a\":")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not JSON");
    }

    @Test
    void timestampsAsSqlDateTime() {
        assertThat(Timestamps.toSqlDateTime("2026-11-23T22:55:21.042Z", true)).isEqualTo("2026-11-23 22:55:21.042");
        assertThat(Timestamps.toSqlDateTime("2026-11-23T22:55:21.942Z", false)).isEqualTo("2026-11-23 22:55:21");
        // other ISO-8601 forms are parsed, and come out in UTC
        assertThat(Timestamps.toSqlDateTime("2026-11-23T23:55:21.5+01:00", true)).isEqualTo("2026-11-23 22:55:21.500");
        assertThat(Timestamps.toSqlDateTime("2026-11-23T22:55:21Z", true)).isEqualTo("2026-11-23 22:55:21.000");
        assertThat(Timestamps.toSqlDateTime(null, true)).isNull();
        // the right shape with a field out of range is not cut out as it is
        assertThatThrownBy(() -> Timestamps.toSqlDateTime("2026-13-23T22:55:21.042Z", true))
                .isInstanceOf(DateTimeParseException.class);
        assertThatThrownBy(() -> Timestamps.toSqlDateTime("yesterday", false)).isInstanceOf(DateTimeParseException.class);
    }
}
