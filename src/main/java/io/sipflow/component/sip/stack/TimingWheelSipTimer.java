package io.sipflow.component.sip.stack;

import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.stack.SIPStackTimerTask;
import gov.nist.javax.sip.stack.timers.SipTimer;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JAIN-SIP's transaction timers (retransmission, Timer B/F/H/J/K, linger, 100 Trying) on a hashed
 * timing wheel, as Kamailio's and OpenSIPS' timer wheels and Netty's {@code HashedWheelTimer} do it:
 * scheduling and cancelling cost the same whatever the number of pending timers.
 *
 * <p>The stack's default timer is a {@link java.util.Timer}: one binary heap of every pending task,
 * each schedule, cancel and periodic reschedule an O(log n) sift, cancelled tasks kept until their
 * time comes. At 1,500 calls/s (tens of thousands of live transactions, most with a 500 ms
 * periodic timer) its thread was 10 % of SipFlow's CPU samples, three quarters of them sifting the
 * heap ({@code TaskQueue.fixDown}). Here a timer is put in the slot of its tick; one thread advances
 * the wheel every {@value #TICK_MILLIS} ms and runs the tasks due, on itself, as the default timer
 * does. SIP's shortest timer is T1 = 500 ms: firing up to one tick late changes nothing.
 *
 * <p>Other threads never touch the wheel: schedules and cancels go through queues the wheel thread
 * drains every tick, and a cancelled timer is unlinked at the next tick, so it does not keep its
 * transaction (and the transaction's messages) alive until it would have fired.
 * Set as {@code gov.nist.javax.sip.TIMER_CLASS_NAME} (the stack makes one per stack).
 */
public final class TimingWheelSipTimer implements SipTimer {

    private static final Logger LOG = LoggerFactory.getLogger(TimingWheelSipTimer.class);
    static final long TICK_MILLIS = 5;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
    /** 2,048 slots of 5 ms: a revolution is 10.24 s, so a 32 s timer is passed over three times. */
    private static final int SLOTS = 2048;
    private static final int MASK = SLOTS - 1;

    private final Slot[] wheel = new Slot[SLOTS];
    private final Queue<Timeout> scheduled = new ConcurrentLinkedQueue<>();
    private final Queue<Timeout> cancelled = new ConcurrentLinkedQueue<>();
    private volatile boolean started;
    private volatile Thread worker;
    private final long origin = System.nanoTime();
    /** The last tick processed (wheel thread only). */
    private long tick;

    public TimingWheelSipTimer() {
        for (int i = 0; i < SLOTS; i++) {
            wheel[i] = new Slot();
        }
    }

    @Override
    public synchronized void start(SipStackImpl sipStack, Properties configurationProperties) {
        if (started) {
            return;
        }
        started = true;
        tick = currentTick();
        Thread t = new Thread(this::run, "sipflow-sip-timer");
        t.setDaemon(true);
        worker = t;
        t.start();
    }

    @Override
    public synchronized void stop() {
        started = false;
        Thread t = worker;
        worker = null;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public boolean isStarted() {
        return started;
    }

    @Override
    public boolean schedule(SIPStackTimerTask task, long delay) {
        return add(task, delay, 0);
    }

    @Override
    public boolean scheduleWithFixedDelay(SIPStackTimerTask task, long delay, long period) {
        if (period <= 0) {
            throw new IllegalArgumentException("period must be positive: " + period);
        }
        return add(task, delay, ticks(period));
    }

    @Override
    public boolean cancel(SIPStackTimerTask task) {
        if (!(task.getSipTimerTask() instanceof Timeout timeout) || !timeout.cancel()) {
            return false;
        }
        task.cleanUpBeforeCancel();
        cancelled.add(timeout);
        return true;
    }

    /** Timers not yet run nor cancelled (for tests and diagnostics; counts the wheel, so it is O(n)). */
    int pending() {
        int n = 0;
        for (Timeout t : scheduled) {
            n += t.isActive() ? 1 : 0;
        }
        for (Slot slot : wheel) {
            synchronized (slot) {
                for (Timeout t = slot.head; t != null; t = t.next) {
                    n += t.isActive() ? 1 : 0;
                }
            }
        }
        return n;
    }

    private boolean add(SIPStackTimerTask task, long delayMillis, long periodTicks) {
        if (!started) {
            throw new IllegalStateException("The SIP stack timer has been stopped: no new task can be scheduled");
        }
        long due = (System.nanoTime() - origin + TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMillis)) + TICK_NANOS - 1)
                / TICK_NANOS;
        Timeout timeout = new Timeout(task, due, periodTicks);
        task.setSipTimerTask(timeout);
        scheduled.add(timeout);
        return true;
    }

    private long currentTick() {
        return (System.nanoTime() - origin) / TICK_NANOS;
    }

    private static long ticks(long millis) {
        return Math.max(1, (millis + TICK_MILLIS - 1) / TICK_MILLIS);
    }

    private void run() {
        while (started) {
            long wait = origin + (tick + 1) * TICK_NANOS - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue;
            }
            tick++;
            unlinkCancelled();
            placeScheduled();
            expire(wheel[(int) (tick & MASK)]);
        }
        scheduled.clear();
        cancelled.clear();
        for (Slot slot : wheel) {
            synchronized (slot) {
                slot.head = null;
                slot.tail = null;
            }
        }
    }

    private void unlinkCancelled() {
        for (Timeout t; (t = cancelled.poll()) != null; ) {
            Slot slot = t.slot;
            if (slot != null) {
                slot.remove(t);
            }
        }
    }

    private void placeScheduled() {
        for (Timeout t; (t = scheduled.poll()) != null; ) {
            if (t.isActive()) {
                place(t, Math.max(t.due, tick));
            }
        }
    }

    private void place(Timeout t, long due) {
        t.due = due;
        wheel[(int) (due & MASK)].append(t);
    }

    private void expire(Slot slot) {
        Timeout t = slot.head;
        while (t != null) {
            Timeout next = t.next;
            if (t.due <= tick) {
                slot.remove(t);
                fire(t);
            }
            t = next;
        }
    }

    private void fire(Timeout t) {
        SIPStackTimerTask task = t.task;
        if (task == null || !t.startRun()) {
            return; // cancelled meanwhile
        }
        try {
            task.runTask();
        } catch (Throwable e) {
            LOG.warn("SIP stack timer task {} failed", task.getClass().getName(), e);
        }
        if (t.periodTicks > 0 && t.endRun()) {
            place(t, tick + t.periodTicks);
        }
    }

    /** One slot of the wheel: a doubly linked list (guarded by the slot itself for {@link #pending()}). */
    private static final class Slot {
        private Timeout head;
        private Timeout tail;

        synchronized void append(Timeout t) {
            t.slot = this;
            t.prev = tail;
            t.next = null;
            if (tail == null) {
                head = t;
            } else {
                tail.next = t;
            }
            tail = t;
        }

        synchronized void remove(Timeout t) {
            if (t.slot != this) {
                return;
            }
            if (t.prev == null) {
                head = t.next;
            } else {
                t.prev.next = t.next;
            }
            if (t.next == null) {
                tail = t.prev;
            } else {
                t.next.prev = t.prev;
            }
            t.prev = null;
            t.next = null;
            t.slot = null;
        }
    }

    /** A scheduled task: active until it ran (one-shot) or was cancelled. */
    static final class Timeout {
        private static final int ACTIVE = 0;
        private static final int RUNNING = 1;
        private static final int DONE = 2;
        private static final int CANCELLED = 3;

        private volatile SIPStackTimerTask task;
        private final long periodTicks;
        private final AtomicInteger state = new AtomicInteger(ACTIVE);
        private long due;
        private Slot slot;
        private Timeout prev;
        private Timeout next;

        Timeout(SIPStackTimerTask task, long due, long periodTicks) {
            this.task = task;
            this.due = due;
            this.periodTicks = periodTicks;
        }

        boolean isActive() {
            return state.get() == ACTIVE;
        }

        boolean startRun() {
            return state.compareAndSet(ACTIVE, periodTicks > 0 ? RUNNING : DONE);
        }

        /** After a periodic run: true if it is to run again (not cancelled while it ran). */
        boolean endRun() {
            return state.compareAndSet(RUNNING, ACTIVE);
        }

        /** True the first time, while it has not run (one-shot) or may run again (periodic). */
        boolean cancel() {
            while (true) {
                int s = state.get();
                if (s == DONE || s == CANCELLED) {
                    return false;
                }
                if (state.compareAndSet(s, CANCELLED)) {
                    task = null;
                    return true;
                }
            }
        }
    }
}
