package io.sipflow.module.forwarding;

import io.sipflow.module.ModuleThreads;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code secondary_registration} in step, off the forwarding thread: changes of one AoR
 * coalesce (the latest wins) and are written in one batch per flush interval; while the database is
 * down they stay pending (outage logged once) and are written when it returns.
 */
public final class ForwardingStateWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardingStateWriter.class);

    private final ForwardingPersistence persistence;
    private final Map<String, SecondaryRegistrationRow> pending = new LinkedHashMap<>();
    private final ScheduledExecutorService flusher;
    private final AtomicBoolean databaseUp = new AtomicBoolean(true);

    public ForwardingStateWriter(ForwardingPersistence persistence, Duration flushInterval) {
        this.persistence = persistence;
        this.flusher = ModuleThreads.single("sipflow-forwarding-writer");
        long ms = Math.max(10, flushInterval.toMillis());
        flusher.scheduleWithFixedDelay(this::flush, ms, ms, TimeUnit.MILLISECONDS);
    }

    public void save(SecondaryRegistrationRow row) {
        synchronized (pending) {
            pending.remove(row.aor()); // re-insert: the order of writes follows the order of changes
            pending.put(row.aor(), row);
        }
    }

    public boolean isDatabaseUp() {
        return databaseUp.get();
    }

    /** Writes what is pending; on failure keeps it for the next flush (unless a newer change replaced it). */
    public synchronized void flush() {
        List<SecondaryRegistrationRow> batch;
        synchronized (pending) {
            if (pending.isEmpty()) {
                return;
            }
            batch = new ArrayList<>(pending.values());
            pending.clear();
        }
        try {
            persistence.saveRegistrations(batch);
            if (databaseUp.compareAndSet(false, true)) {
                LOG.info("Forwarding state: database back, {} change(s) written", batch.size());
            }
        } catch (SQLException | RuntimeException e) {
            synchronized (pending) {
                for (SecondaryRegistrationRow row : batch) {
                    pending.putIfAbsent(row.aor(), row);
                }
            }
            if (databaseUp.compareAndSet(true, false)) {
                LOG.warn("Forwarding state: database write failed ({}); {} change(s) kept until it returns", e.getMessage(),
                        batch.size());
            }
        }
    }

    @Override
    public void close() {
        ModuleThreads.stop(flusher, 2);
        flush();
    }
}
