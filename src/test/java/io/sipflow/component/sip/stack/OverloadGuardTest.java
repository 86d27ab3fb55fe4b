package io.sipflow.component.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The overload detector on a hand-driven clock and hand-set signals: hysteresis, admission cap, log lines. */
class OverloadGuardTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final AtomicLong queueDelay = new AtomicLong();
    private final AtomicInteger table = new AtomicInteger();
    private final LongAdder shed = new LongAdder();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(OverloadGuard.class);
    private long now = 1_000_000 * MS;

    @BeforeEach
    void captureLog() {
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(log);
    }

    private OverloadGuard guard(boolean enabled, int maxInFlight, int maxRate) {
        OverloadSettings settings = new OverloadSettings(enabled, Duration.ofMillis(200), Duration.ofMillis(50),
                maxInFlight, maxRate, 5, 5);
        return new OverloadGuard(settings, queueDelay::get, table::get, 1000, shed, now);
    }

    private void sampleAt(OverloadGuard guard, long delayMs) {
        queueDelay.set(delayMs);
        now += 50 * MS;
        guard.sample(now);
    }

    @Test
    void queueDelayStartsSheddingAtTheHighMarkAndStopsOnlyUnderTheLowMark() {
        OverloadGuard guard = guard(true, 0, 0);
        sampleAt(guard, 150);
        assertThat(guard.isOverloaded()).isFalse();
        assertThat(guard.admitsEverything()).isTrue();

        sampleAt(guard, 200);
        assertThat(guard.isOverloaded()).isTrue();
        assertThat(guard.isShedding()).isTrue();
        assertThat(guard.admit(now)).isFalse();

        sampleAt(guard, 120); // between the marks: still overloaded (hysteresis)
        assertThat(guard.isOverloaded()).isTrue();
        sampleAt(guard, 50);
        assertThat(guard.isOverloaded()).isTrue();
        sampleAt(guard, 49);
        assertThat(guard.isOverloaded()).isFalse();
        assertThat(guard.admit(now)).isTrue();
    }

    @Test
    void oneWarnWhenSheddingStartsAndOneInfoWithTheCountWhenItEnds() {
        OverloadGuard guard = guard(true, 0, 0);
        sampleAt(guard, 300);
        shed.add(7);
        sampleAt(guard, 400);
        sampleAt(guard, 10);
        assertThat(guard.isShedding()).as("the episode lasts until a quiet second").isTrue();
        for (int i = 0; i < 18; i++) {
            sampleAt(guard, 10);
        }
        assertThat(guard.isShedding()).isTrue();
        sampleAt(guard, 10);
        assertThat(guard.isShedding()).isFalse();

        assertThat(log.list).hasSize(2);
        assertThat(log.list.get(0).getLevel()).isEqualTo(Level.WARN);
        assertThat(log.list.get(0).getFormattedMessage()).contains("503").contains("receive queue delay 300 ms >= 200 ms");
        assertThat(log.list.get(1).getLevel()).isEqualTo(Level.INFO);
        assertThat(log.list.get(1).getFormattedMessage()).contains("7 new request(s) shed");
    }

    @Test
    void requestsInFlightStartSheddingAtTheLimitAndStopUnderEightyPercent() {
        OverloadGuard guard = guard(true, 10, 0);
        for (int i = 0; i < 10; i++) {
            guard.requestStarted();
        }
        sampleAt(guard, 0);
        assertThat(guard.isOverloaded()).isTrue();
        assertThat(guard.isCongested()).as("in flight is not local congestion").isFalse();
        guard.requestAnswered();
        guard.requestAnswered();
        sampleAt(guard, 0);
        assertThat(guard.inFlight()).isEqualTo(8);
        assertThat(guard.isOverloaded()).isTrue();
        guard.requestAnswered();
        sampleAt(guard, 0);
        assertThat(guard.isOverloaded()).isFalse();
    }

    @Test
    void aFullTransactionTableShedsFromEightyPercentOfTheLimit() {
        OverloadGuard guard = guard(true, 0, 0);
        table.set(799);
        sampleAt(guard, 0);
        assertThat(guard.isOverloaded()).isFalse();
        table.set(800);
        sampleAt(guard, 0);
        assertThat(guard.isOverloaded()).isTrue();
        table.set(700);
        sampleAt(guard, 0);
        assertThat(guard.isOverloaded()).isTrue();
        table.set(699);
        sampleAt(guard, 0);
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

        sampleAt(guard, 0);
        assertThat(guard.isShedding()).as("requests over the cap make a shedding episode").isTrue();
        assertThat(guard.isOverloaded()).as("but no overload signal").isFalse();
        assertThat(log.list.get(0).getFormattedMessage()).contains("admission cap of 5/s");
    }

    @Test
    void aTimeoutCountsAsLocalOnlyIfTheQueueWasCongestedSinceTheBranchStarted() {
        OverloadGuard guard = guard(true, 0, 0);
        sampleAt(guard, 0);
        long before = now;
        assertThat(guard.congestedSince(before)).isFalse();
        sampleAt(guard, 500);
        assertThat(guard.congestedSince(before)).isTrue();
        sampleAt(guard, 0);
        long after = now + 1;
        assertThat(guard.congestedSince(before)).as("congestion ended after the branch started").isTrue();
        assertThat(guard.congestedSince(after)).isFalse();
        queueDelay.set(250);
        assertThat(guard.congestedSince(after)).as("measured on the spot, between samples").isTrue();
    }

    @Test
    void withSheddingOffEverythingIsAdmittedButTheOverloadIsStillSeenAndLogged() {
        OverloadGuard guard = guard(false, 0, 5);
        sampleAt(guard, 1000);
        assertThat(guard.isOverloaded()).isTrue();
        assertThat(guard.congestedSince(now - 100 * MS)).isTrue();
        assertThat(guard.admitsEverything()).isTrue();
        for (int i = 0; i < 20; i++) {
            assertThat(guard.admit(now)).isTrue();
        }
        assertThat(log.list).singleElement().satisfies(e -> assertThat(e.getFormattedMessage()).contains("shedding is off"));
    }
}
