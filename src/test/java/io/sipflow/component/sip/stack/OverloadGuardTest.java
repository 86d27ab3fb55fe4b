package io.sipflow.component.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.sipflow.testsupport.CapturedLog;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The overload detector on a hand-driven clock and hand-set signals: hysteresis, admitted share, cap, drops, log lines. */
class OverloadGuardTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Probes per decision: one window. */
    private static final int WINDOW = OverloadGuard.WINDOW_PROBES;

    /** A receive queue whose oldest wait the test sets; dropping stale datagrams brings it down to the limit. */
    private static final class FakeQueues implements ReceiveQueues {
        volatile long oldest;
        int dropped;

        @Override
        public long oldestWaitMillis() {
            return oldest;
        }

        @Override
        public int dropOlderThan(long maxWaitMillis) {
            if (oldest <= maxWaitMillis) {
                return 0;
            }
            oldest = maxWaitMillis;
            dropped += 3;
            return 3;
        }
    }

    private final FakeQueues queues = new FakeQueues();
    private final AtomicInteger table = new AtomicInteger();
    private final LongAdder shed = new LongAdder();
    private final LongAdder drops = new LongAdder();
    @RegisterExtension
    final CapturedLog log = new CapturedLog(OverloadGuard.class);
    private long now = 1_000_000 * MS;

    private OverloadGuard guard(boolean enabled, int maxInFlight, int maxRate) {
        OverloadSettings settings = new OverloadSettings(enabled, Duration.ofMillis(100), Duration.ofMillis(20),
                Duration.ofMillis(500), maxInFlight, maxRate, 5, 5);
        return new OverloadGuard(settings, queues, table::get, 1000, shed, drops, now);
    }

    /** {@code probes} probes 10 ms apart with this oldest wait (every tenth one also decides). */
    private void probe(OverloadGuard guard, long oldestMs, int probes) {
        for (int i = 0; i < probes; i++) {
            queues.oldest = oldestMs;
            now += OverloadGuard.PROBE_INTERVAL_MS * MS;
            guard.sample(now);
        }
    }

    @Test
    void aBurstTheSipThreadsDrainAtOnceIsNotCongestion() {
        OverloadGuard guard = guard(true, 0, 0);
        probe(guard, 0, WINDOW - 1);
        probe(guard, 400, 1);
        assertThat(guard.isCongested()).isFalse();
        probe(guard, 0, 1);
        probe(guard, 300, WINDOW - 1);
        assertThat(guard.isCongested()).as("one low probe in the window").isFalse();
        assertThat(guard.admitsEverything()).isTrue();
    }

    @Test
    void standingDelayOverTheHighMarkCutsTheAdmittedShareUntilItIsUnderTheLowMark() {
        OverloadGuard guard = guard(true, 0, 0);
        probe(guard, 99, WINDOW);
        assertThat(guard.isCongested()).isFalse();
        probe(guard, 150, WINDOW);
        assertThat(guard.isCongested()).isTrue();
        assertThat(guard.isShedding()).isTrue();
        assertThat(guard.admitShare()).isEqualTo(0.75);
        assertThat(guard.admitsEverything()).isFalse();

        probe(guard, 150, WINDOW); // between the marks, not falling: cut again (hysteresis)
        assertThat(guard.admitShare()).isEqualTo(0.562);
        for (int i = 0; i < 20; i++) {
            probe(guard, 30, WINDOW);
        }
        assertThat(guard.admitShare()).as("cut to nothing when the delay stays").isZero();
        for (int i = 0; i < 100; i++) {
            assertThat(guard.admit(now)).isFalse();
        }

        probe(guard, 19, WINDOW); // under the low mark: the share grows back 5 points per window
        assertThat(guard.admitShare()).isEqualTo(0.05);
        assertThat(guard.isCongested()).isTrue();
        for (int i = 0; i < 18; i++) {
            probe(guard, 0, WINDOW);
        }
        assertThat(guard.isCongested()).isTrue();
        probe(guard, 0, WINDOW);
        assertThat(guard.isCongested()).isFalse();
        assertThat(guard.admitShare()).isEqualTo(1.0);
        assertThat(guard.admit(now)).isTrue();
    }

    @Test
    void aQueueDrainingToTheLowMarkWithinT1KeepsItsShareASlowerOneIsCutAgain() {
        OverloadGuard guard = guard(true, 0, 0);
        probe(guard, 300, WINDOW);
        assertThat(guard.admitShare()).isEqualTo(0.75);
        probe(guard, 200, WINDOW); // 100 ms less in a window: under the low mark in two more
        assertThat(guard.admitShare()).as("draining: the last cut works").isEqualTo(0.75);
        probe(guard, 120, WINDOW); // 80 less: 100 ms to go, within five windows at that pace
        assertThat(guard.admitShare()).isEqualTo(0.75);
        probe(guard, 115, WINDOW); // 5 less: 95 ms to go would take 19 windows
        assertThat(guard.admitShare()).as("draining too slowly").isEqualTo(0.562);
        probe(guard, 115, WINDOW); // not falling
        assertThat(guard.admitShare()).isEqualTo(0.421);
        probe(guard, 10, WINDOW); // under the low mark: 5 points back per window
        assertThat(guard.admitShare()).isEqualTo(0.471);
        assertThat(guard.isCongested()).isTrue();
    }

    @Test
    void oneWarnWhenSheddingStartsAndOneInfoWithTheCountsWhenItEnds() {
        OverloadGuard guard = guard(true, 0, 0);
        probe(guard, 300, WINDOW);
        shed.add(7);
        probe(guard, 600, WINDOW); // over drop-after: the oldest are dropped unread
        probe(guard, 0, WINDOW * 10);
        assertThat(guard.isCongested()).isFalse();
        assertThat(guard.isShedding()).as("the episode lasts until a quiet second").isTrue();
        probe(guard, 0, WINDOW * 10);
        assertThat(guard.isShedding()).isFalse();

        assertThat(queues.dropped).isPositive();
        assertThat(drops.sum()).isEqualTo(queues.dropped);
        assertThat(log.events()).hasSize(3);
        assertThat(log.events().get(0).getLevel()).isEqualTo(Level.WARN);
        assertThat(log.events().get(0).getFormattedMessage()).contains("503").contains("receive queue delay 300 ms >= 100 ms");
        assertThat(log.events().get(1).getLevel()).isEqualTo(Level.WARN);
        assertThat(log.events().get(1).getFormattedMessage()).contains("dropped unread");
        assertThat(log.events().get(2).getLevel()).isEqualTo(Level.INFO);
        assertThat(log.events().get(2).getFormattedMessage()).contains("7 new request(s) shed")
                .contains(queues.dropped + " stale datagram(s) dropped");
    }

    @Test
    void requestsInFlightShedEverythingAtTheLimitUntilUnderEightyPercent() {
        OverloadGuard guard = guard(true, 10, 0);
        for (int i = 0; i < 10; i++) {
            guard.requestStarted();
        }
        probe(guard, 0, WINDOW);
        assertThat(guard.isOverloaded()).isTrue();
        assertThat(guard.isCongested()).as("in flight is not local congestion").isFalse();
        assertThat(guard.admit(now)).isFalse();
        guard.requestAnswered();
        guard.requestAnswered();
        probe(guard, 0, WINDOW);
        assertThat(guard.inFlight()).isEqualTo(8);
        assertThat(guard.isOverloaded()).isTrue();
        guard.requestAnswered();
        probe(guard, 0, WINDOW);
        assertThat(guard.isOverloaded()).isFalse();
        assertThat(guard.admit(now)).isTrue();
    }

    @Test
    void aFullTransactionTableShedsFromEightyToSeventyPercentOfTheLimit() {
        OverloadGuard guard = guard(true, 0, 0);
        table.set(799);
        probe(guard, 0, WINDOW);
        assertThat(guard.isOverloaded()).isFalse();
        table.set(800);
        probe(guard, 0, WINDOW);
        assertThat(guard.isOverloaded()).isTrue();
        table.set(700);
        probe(guard, 0, WINDOW);
        assertThat(guard.isOverloaded()).isTrue();
        table.set(699);
        probe(guard, 0, WINDOW);
        assertThat(guard.isOverloaded()).isFalse();
    }

    @Test
    void admissionCapLetsOneSecondsWorthThroughThenRefillsAtTheRate() {
        OverloadGuard guard = guard(true, 0, 5);
        assertThat(guard.admitsEverything()).isFalse();
        for (int i = 0; i < 5; i++) {
            assertThat(guard.admit(now)).isTrue();
        }
        assertThat(guard.admit(now)).isFalse();
        assertThat(guard.admit(now + 199 * MS)).isFalse();
        assertThat(guard.admit(now + 200 * MS)).isTrue();
        assertThat(guard.admit(now + 200 * MS)).isFalse();

        probe(guard, 0, WINDOW);
        assertThat(guard.isShedding()).as("requests over the cap make a shedding episode").isTrue();
        assertThat(guard.isOverloaded()).as("but no overload signal").isFalse();
        assertThat(log.events().get(0).getFormattedMessage()).contains("admission cap of 5/s");
    }

    @Test
    void aTimeoutCountsAsLocalOnlyIfTheQueueWasCongestedSinceTheBranchStarted() {
        OverloadGuard guard = guard(true, 0, 0);
        probe(guard, 0, WINDOW);
        long before = now;
        assertThat(guard.congestedSince(before)).isFalse();
        probe(guard, 200, WINDOW);
        assertThat(guard.congestedSince(before)).isTrue();
        probe(guard, 0, WINDOW * 6);
        assertThat(guard.isCongested()).isFalse();
        long after = now + 1;
        assertThat(guard.congestedSince(before)).as("congestion ended after the branch started").isTrue();
        assertThat(guard.congestedSince(after)).isFalse();
        queues.oldest = 150;
        assertThat(guard.congestedSince(after)).as("measured on the spot, between samples").isTrue();
    }

    @Test
    void withSheddingOffEverythingIsAdmittedAndNothingDroppedButTheOverloadIsStillSeenAndLogged() {
        OverloadGuard guard = guard(false, 0, 5);
        probe(guard, 1000, WINDOW);
        assertThat(guard.isOverloaded()).isTrue();
        assertThat(guard.congestedSince(now - 100 * MS)).isTrue();
        assertThat(guard.admitsEverything()).isTrue();
        for (int i = 0; i < 20; i++) {
            assertThat(guard.admit(now)).isTrue();
        }
        assertThat(queues.dropped).isZero();
        assertThat(log.events()).singleElement().satisfies(e -> assertThat(e.getFormattedMessage()).contains("shedding is off"));
    }
}
