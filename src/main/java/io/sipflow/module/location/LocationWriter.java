package io.sipflow.module.location;

import io.sipflow.module.ModuleThreads;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@code location} table in step with the store, off the SIP threads (OpenSIPS usrloc
 * {@code working_mode_preset}): write-back batches the changes every flush interval, write-through
 * flushes each change at once on the writer thread. Changes to the same binding coalesce (the
 * latest wins). When the database is down the changes stay pending, the outage is logged once and
 * visible as {@link #isDatabaseUp()}, and everything is caught up when it returns.
 */
public final class LocationWriter implements LocationListener, AutoCloseable {

    /** How changes reach the database. */
    public enum Mode {
        WRITE_BACK,
        WRITE_THROUGH
    }

    private static final Logger LOG = LoggerFactory.getLogger(LocationWriter.class);

    private final LocationPersistence persistence;
    private final Mode mode;
    private final ScheduledExecutorService writer;
    /** contact id -> binding to upsert, or null to delete; insertion order kept for fairness. */
    private final Map<Long, Binding> pending = new LinkedHashMap<>();
    private final AtomicBoolean databaseUp = new AtomicBoolean(true);
    private final AtomicLong written = new AtomicLong();
    private final AtomicBoolean flushQueued = new AtomicBoolean();

    public LocationWriter(LocationPersistence persistence, Mode mode, Duration flushInterval) {
        this.persistence = persistence;
        this.mode = mode;
        this.writer = ModuleThreads.single("sipflow-location-writer");
        long ms = Math.max(10, flushInterval.toMillis());
        writer.scheduleWithFixedDelay(this::flushQuietly, ms, ms, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onChanges(LocationChanges changes) {
        synchronized (pending) {
            for (Binding b : changes.added()) {
                pending.put(b.contactId(), b);
            }
            for (Binding b : changes.refreshed()) {
                if (!b.isStoreBehind()) { // else only its expiry moved and the table still has time
                    pending.put(b.contactId(), b);
                }
            }
            for (Binding b : changes.removed()) {
                pending.put(b.contactId(), null);
            }
            for (Binding b : changes.expired()) {
                pending.put(b.contactId(), null);
            }
        }
        if (mode == Mode.WRITE_THROUGH && flushQueued.compareAndSet(false, true)) {
            writer.execute(this::flushQuietly);
        }
    }

    /** Queues these bindings to be written as they are (e.g. the refreshes left out, before a graceful stop). */
    public void write(Collection<Binding> bindings) {
        synchronized (pending) {
            for (Binding b : bindings) {
                pending.put(b.contactId(), b);
            }
        }
    }

    private void flushQuietly() {
        flushQueued.set(false);
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.error("Location write-back failed", e);
        }
    }

    /** Writes everything pending; returns the number of changes written. Runs on the writer thread. */
    int flush() {
        Map<Long, Binding> batch;
        synchronized (pending) {
            if (pending.isEmpty()) {
                return 0;
            }
            batch = new LinkedHashMap<>(pending);
            pending.clear();
        }
        List<Binding> upserts = new ArrayList<>();
        List<Long> deletes = new ArrayList<>();
        batch.forEach((id, b) -> {
            if (b == null) {
                deletes.add(id);
            } else {
                upserts.add(b);
            }
        });
        try {
            if (!upserts.isEmpty()) {
                persistence.upsert(upserts);
            }
            if (!deletes.isEmpty()) {
                persistence.delete(deletes);
            }
            written.addAndGet(batch.size());
            if (databaseUp.compareAndSet(false, true)) {
                LOG.info("Location database reachable again: caught up {} pending change(s)", batch.size());
            }
            return batch.size();
        } catch (Exception e) {
            synchronized (pending) {
                // put back what no newer change replaced meanwhile
                batch.forEach(pending::putIfAbsent);
            }
            if (databaseUp.compareAndSet(true, false)) {
                LOG.warn("Location database unavailable ({}): registrations continue from memory, "
                        + "{} change(s) pending, retrying", e.getMessage(), pendingCount());
            }
            return 0;
        }
    }

    /** Flushes now and waits for it (shutdown, tests). */
    public void flushNow() {
        try {
            writer.submit(this::flush).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Location flush did not complete: {}", e.toString());
        }
    }

    public boolean isDatabaseUp() {
        return databaseUp.get();
    }

    public int pendingCount() {
        synchronized (pending) {
            return pending.size();
        }
    }

    public long writtenCount() {
        return written.get();
    }

    @Override
    public void close() {
        flushNow();
        writer.shutdownNow();
    }
}
