package io.sipflow.module.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipflow.module.events.EventSpool.Position;

import org.junit.jupiter.api.Test;

/** The in-memory tail of the spool (pure logic). */
class RecentEventsTest {

    @Test
    void slicesFollowTheSequenceAndWrapAround() {
        RecentEvents recent = new RecentEvents(4, 1_000);
        assertThat(recent.after(0, 10)).isNull(); // empty: read the file
        for (long seq = 1; seq <= 6; seq++) {
            recent.add(event(seq), new Position(1, seq * 100));
        }
        // holds 3..6
        assertThat(recent.after(1, 10)).isNull(); // event 2 is gone: read the file
        RecentEvents.Slice s = recent.after(2, 10);
        assertThat(s.events()).extracting(SpooledEvent::seq).containsExactly(3L, 4L, 5L, 6L);
        assertThat(s.end()).isEqualTo(new Position(1, 600));
        assertThat(s.lastSeq()).isEqualTo(6);
        RecentEvents.Slice two = recent.after(3, 2);
        assertThat(two.events()).extracting(SpooledEvent::seq).containsExactly(4L, 5L);
        assertThat(two.end()).isEqualTo(new Position(1, 500));
        assertThat(recent.after(6, 10).events()).isEmpty(); // caught up
        assertThat(recent.after(7, 10)).isNull();
    }

    @Test
    void aGapInTheSequenceStartsTheRingOver() {
        RecentEvents recent = new RecentEvents(4, 1_000);
        recent.add(event(1), new Position(1, 10));
        recent.add(event(2), new Position(1, 20));
        recent.add(event(9), new Position(2, 10));
        assertThat(recent.after(1, 10)).isNull();
        assertThat(recent.after(8, 10).events()).extracting(SpooledEvent::seq).containsExactly(9L);
    }

    @Test
    void theJsonBudgetEvictsOldEventsAndSkipsOneLargerThanAll() {
        RecentEvents recent = new RecentEvents(100, 10);
        recent.add(event(1, "{\"a\":1}"), new Position(1, 10)); // 7 chars
        recent.add(event(2, "{}"), new Position(1, 20)); // 9
        recent.add(event(3, "{\"b\":2}"), new Position(1, 30)); // 16 > 10: event 1 goes
        assertThat(recent.after(0, 10)).isNull();
        assertThat(recent.after(1, 10).events()).extracting(SpooledEvent::seq).containsExactly(2L, 3L);
        recent.add(event(4, "{\"big\":\"0123456789\"}"), new Position(1, 40)); // alone over the budget
        assertThat(recent.after(3, 10)).isNull(); // read from the file
        recent.add(event(5, "{}"), new Position(1, 50)); // sequence gap after 4 was skipped: starts over
        assertThat(recent.after(4, 10).events()).extracting(SpooledEvent::seq).containsExactly(5L);
    }

    private static SpooledEvent event(long seq) {
        return event(seq, "{}");
    }

    private static SpooledEvent event(long seq, String json) {
        return new SpooledEvent(seq, 0, EventType.CDR, "k" + seq, json, null);
    }
}
