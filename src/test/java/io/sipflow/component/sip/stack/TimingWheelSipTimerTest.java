package io.sipflow.component.sip.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import gov.nist.javax.sip.stack.SIPStackTimerTask;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TimingWheelSipTimerTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private TimingWheelSipTimer timer;

    @BeforeEach
    void start() {
        timer = new TimingWheelSipTimer();
        timer.start(null, null);
    }

    @AfterEach
    void stop() {
        timer.stop();
    }

    @Test
    void aTaskRunsOnceNotBeforeItsDelay() {
        long scheduledAt = System.nanoTime();
        AtomicLong ranAt = new AtomicLong();
        Task task = new Task(() -> ranAt.set(System.nanoTime()));
        timer.schedule(task, 120);
        await().atMost(WAIT).until(() -> task.runs.get() == 1);
        assertThat(TimeUnit.NANOSECONDS.toMillis(ranAt.get() - scheduledAt)).isGreaterThanOrEqualTo(120);
        await().during(Duration.ofMillis(200)).atMost(WAIT).until(() -> task.runs.get() == 1);
        assertThat(timer.pending()).isZero();
    }

    @Test
    void tasksDueAtDifferentTimesRunInTheirOrder() {
        List<Integer> order = new CopyOnWriteArrayList<>();
        for (int delay : new int[] {300, 0, 150, 60}) {
            timer.schedule(new Task(() -> order.add(delay)), delay);
        }
        await().atMost(WAIT).until(() -> order.size() == 4);
        assertThat(order).containsExactly(0, 60, 150, 300);
    }

    @Test
    void aTimerLongerThanOneRevolutionOfTheWheelWaitsItsTurn() {
        // 2,048 slots of 5 ms: a 12 s timer shares its slot with one due 1.76 s after scheduling
        Task late = new Task(() -> { });
        Task early = new Task(() -> { });
        timer.schedule(late, 12_000);
        timer.schedule(early, 1_760);
        await().atMost(WAIT).until(() -> early.runs.get() == 1);
        assertThat(late.runs.get()).isZero();
        assertThat(timer.pending()).isEqualTo(1);
    }

    @Test
    void aCancelledTaskNeverRunsIsCleanedUpAndLeavesTheWheel() {
        Task task = new Task(() -> { });
        timer.schedule(task, 100);
        assertThat(timer.cancel(task)).isTrue();
        assertThat(task.cleanedUp.get()).isEqualTo(1);
        assertThat(timer.cancel(task)).isFalse();
        // unlinked at the next tick, not kept until it would have fired
        await().atMost(WAIT).until(() -> timer.pending() == 0);
        Task witness = new Task(() -> { });
        timer.schedule(witness, 300);
        await().atMost(WAIT).until(() -> witness.runs.get() == 1);
        assertThat(task.runs.get()).isZero();
    }

    @Test
    void aPeriodicTaskRepeatsUntilItCancelsItself() {
        Task[] self = new Task[1];
        self[0] = new Task(() -> {
            if (self[0].runs.get() == 3) {
                timer.cancel(self[0]);
            }
        });
        timer.scheduleWithFixedDelay(self[0], 10, 40);
        await().atMost(WAIT).until(() -> self[0].runs.get() == 3);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> self[0].runs.get() == 3);
        assertThat(timer.pending()).isZero();
    }

    @Test
    void aFailingTaskDoesNotStopTheTimerAndTasksMayScheduleTasks() throws InterruptedException {
        CountDownLatch chained = new CountDownLatch(1);
        timer.schedule(new Task(() -> {
            throw new IllegalStateException("boom");
        }), 0);
        timer.schedule(new Task(() -> timer.schedule(new Task(chained::countDown), 20)), 30);
        assertThat(chained.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void manyThreadsSchedulingAndCancellingAtOnceLoseNothing() throws InterruptedException {
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger cancelledRuns = new AtomicInteger();
        Thread[] threads = new Thread[4];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(() -> {
                for (int n = 0; n < 5_000; n++) {
                    timer.schedule(new Task(ran::incrementAndGet), n % 50);
                    Task doomed = new Task(cancelledRuns::incrementAndGet);
                    timer.schedule(doomed, 200 + n % 50);
                    timer.cancel(doomed);
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        await().atMost(WAIT).until(() -> ran.get() == 20_000 && timer.pending() == 0);
        await().during(Duration.ofMillis(400)).atMost(WAIT).until(() -> cancelledRuns.get() == 0);
    }

    @Test
    void aStoppedTimerRefusesNewTasks() {
        timer.stop();
        assertThat(timer.isStarted()).isFalse();
        assertThatThrownBy(() -> timer.schedule(new Task(() -> { }), 10)).isInstanceOf(IllegalStateException.class);
    }

    private static final class Task extends SIPStackTimerTask {
        final AtomicInteger runs = new AtomicInteger();
        final AtomicInteger cleanedUp = new AtomicInteger();
        private final Runnable body;

        Task(Runnable body) {
            this.body = body;
        }

        @Override
        public void runTask() {
            runs.incrementAndGet();
            body.run();
        }

        @Override
        public void cleanUpBeforeCancel() {
            cleanedUp.incrementAndGet();
        }

        @Override
        public Object getThreadHash() {
            return null;
        }
    }
}
