package io.sipflow.module.db;

import io.sipflow.module.events.CdrOutcome;
import io.sipflow.module.events.DeadLetters;
import io.sipflow.module.events.EventFields;
import io.sipflow.module.events.SpooledEvent;
import io.sipflow.module.events.Timestamps;

import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MySQL sink of the event pipeline ({@code bean:eventsMysql}): one batch of spooled events
 * becomes rows of {@code acc} (answered calls), {@code missed_calls} (failed, missed, cancelled),
 * {@code registration_events} and {@code stats}, in one transaction, through prepared
 * {@code INSERT IGNORE} batches: the unique {@code cdr_id} / {@code event_id} makes a replay
 * harmless. An event that lacks a required field, or that the database refuses as data (SQLSTATE
 * class 22/23), goes to the dead-letter file; a connection problem is thrown, so the batch stays in
 * the spool and is retried.
 */
public final class JdbcEventPersistence {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcEventPersistence.class);
    static final String SINK = "mysql";

    // acc and missed_calls have the same columns (OpenSIPS); each statement is one literal
    static final String INSERT_ACC = """
            INSERT IGNORE INTO acc
            (method, from_tag, to_tag, callid, sip_code, sip_reason, time, duration, ms_duration, setuptime, created,
             cdr_id, tenant, direction, from_user, from_domain, to_user, to_domain, pbx, src_addr, dst_addr, outcome,
             created_at, answered_at, ended_at, setup_ms, hung_up_by, flags, schema_version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";
    static final String INSERT_MISSED = """
            INSERT IGNORE INTO missed_calls
            (method, from_tag, to_tag, callid, sip_code, sip_reason, time, duration, ms_duration, setuptime, created,
             cdr_id, tenant, direction, from_user, from_domain, to_user, to_domain, pbx, src_addr, dst_addr, outcome,
             created_at, answered_at, ended_at, setup_ms, hung_up_by, flags, schema_version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";
    static final String INSERT_REGISTRATION = """
            INSERT IGNORE INTO registration_events
            (event_id, event, time, aor, username, domain, contact, received, expires, callid, user_agent, pbx,
             sip_code, sip_reason, state, previous_state, secondary, schema_version)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";
    static final String INSERT_STATS = """
            INSERT IGNORE INTO stats (event_id, time, node, interval_ms, meters, schema_version)
            VALUES (?, ?, ?, ?, ?, ?)""";

    private static final List<String> STATEMENTS = List.of(INSERT_ACC, INSERT_MISSED, INSERT_REGISTRATION, INSERT_STATS);
    private static final Map<String, MultiRowInsert> MULTI_ROW = STATEMENTS.stream()
            .collect(Collectors.toUnmodifiableMap(sql -> sql, MultiRowInsert::new));

    /** Below this many rows per writer a batch is not split. */
    private static final int MIN_CHUNK = 250;

    private final DataSource dataSource;
    private final DeadLetters deadLetters;
    private final int writers;
    private final ExecutorService pool;
    private final ServerStatements statements = new ServerStatements();

    public JdbcEventPersistence(DataSource dataSource, DeadLetters deadLetters) {
        this(dataSource, deadLetters, 1);
    }

    /**
     * @param writers connections one batch is split over, each chunk its own transaction (the
     *                commits' disk flushes overlap); a failed chunk fails the batch, which is then
     *                retried whole — chunks already stored are ignored by their unique ids
     */
    public JdbcEventPersistence(DataSource dataSource, DeadLetters deadLetters, int writers) {
        this.dataSource = dataSource;
        this.deadLetters = deadLetters;
        this.writers = Math.max(1, writers);
        AtomicInteger n = new AtomicInteger();
        this.pool = this.writers == 1 ? null : Executors.newFixedThreadPool(this.writers, r -> {
            Thread t = new Thread(r, "sipflow-events-mysql-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** A prepared row: which statement, and how to bind it. */
    private record Row(String sql, SpooledEvent event, Object[] values) {
    }

    /** Stores the events; returns how many rows were offered (duplicates are ignored by the database). */
    public int insert(List<SpooledEvent> events) throws SQLException {
        List<Row> rows = new ArrayList<>(events.size());
        for (SpooledEvent e : events) {
            try {
                rows.add(toRow(e));
            } catch (IllegalArgumentException ex) {
                deadLetters.deadLetter(SINK, e.json(), ex.getMessage());
            }
        }
        if (rows.isEmpty()) {
            return 0;
        }
        int chunks = Math.min(writers, rows.size() / MIN_CHUNK);
        if (chunks <= 1) {
            store(rows);
            return rows.size();
        }
        List<Future<?>> results = new ArrayList<>(chunks);
        int size = (rows.size() + chunks - 1) / chunks;
        for (int from = 0; from < rows.size(); from += size) {
            List<Row> chunk = rows.subList(from, Math.min(rows.size(), from + size));
            results.add(pool.submit(() -> {
                store(chunk);
                return null;
            }));
        }
        SQLException failure = null;
        for (Future<?> f : results) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof SQLException se ? se : new SQLException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while storing events", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return rows.size();
    }

    /** One transaction of batched inserts; on a data error, row by row (the bad rows dead-lettered). */
    private void store(List<Row> rows) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                executeBatches(c, rows);
                c.commit();
            } catch (SQLException ex) {
                c.rollback();
                if (!isDataError(ex)) {
                    throw ex;
                }
                LOG.warn("MySQL refused a batch of {} event(s) ({}): storing them one by one", rows.size(), ex.getMessage());
                insertOneByOne(c, rows);
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** Each statement's rows through its {@link MultiRowInsert} (multi-row INSERTs prepared once per connection). */
    private void executeBatches(Connection c, List<Row> rows) throws SQLException {
        for (String sql : STATEMENTS) {
            List<Row> mine = new ArrayList<>(rows.size());
            for (Row r : rows) {
                if (r.sql().equals(sql)) {
                    mine.add(r);
                }
            }
            if (!mine.isEmpty()) {
                MULTI_ROW.get(sql).execute(c, mine, statements, (ps, first, r) -> bind(ps, r.values(), first - 1));
            }
        }
    }

    private void insertOneByOne(Connection c, List<Row> rows) throws SQLException {
        for (Row r : rows) {
            try (PreparedStatement ps = c.prepareStatement(r.sql())) {
                bind(ps, r.values(), 0);
                ps.executeUpdate();
                c.commit();
            } catch (SQLException ex) {
                c.rollback();
                if (!isDataError(ex)) {
                    throw ex;
                }
                deadLetters.deadLetter(SINK, r.event().json(), "refused by MySQL: " + ex.getMessage());
            }
        }
    }

    /** SQLSTATE class 22 (data exception) or 23 (constraint): the row will never go in. */
    static boolean isDataError(SQLException ex) {
        SQLException e = ex instanceof BatchUpdateException b && b.getNextException() != null ? b.getNextException() : ex;
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    /** Typed setters: {@code setObject} costs the driver a type lookup per value (visible in profiles). */
    private static void bind(PreparedStatement ps, Object[] values, int offset) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            int index = offset + i + 1;
            if (v instanceof String text) {
                ps.setString(index, text);
            } else if (v instanceof Long number) {
                ps.setLong(index, number);
            } else if (v instanceof Integer number) {
                ps.setInt(index, number);
            } else if (v == null) {
                ps.setNull(index, Types.VARCHAR);
            } else {
                ps.setObject(index, v);
            }
        }
    }

    private static Row toRow(SpooledEvent e) {
        EventFields n = EventFields.parse(e.json());
        return switch (e.type()) {
            case CDR -> cdrRow(e, n);
            case REGISTRATION -> new Row(INSERT_REGISTRATION, e, new Object[] {
                required(n, "event_id"), required(n, "event"), dateTimeMillis(required(n, "time")), required(n, "aor"),
                n.text("user"), n.text("domain"), n.text("contact"), n.text("received"), dateTime(n.text("expires")),
                n.text("call_id"), n.text("user_agent"), n.text("pbx"), n.integer("code"), n.text("reason"),
                n.text("state"), n.text("previous_state"), n.text("secondary"), (int) n.longValue("schema_version", 1)});
            case STATS -> new Row(INSERT_STATS, e, new Object[] {
                required(n, "event_id"), dateTimeMillis(required(n, "time")), n.text("node"), n.longValue("interval_ms", 0),
                nz(n.text("meters")), (int) n.longValue("schema_version", 1)});
        };
    }

    private static Row cdrRow(SpooledEvent e, EventFields n) {
        CdrOutcome outcome = CdrOutcome.fromWireName(required(n, "outcome"));
        if (outcome == null) {
            throw new IllegalArgumentException("unknown outcome '" + n.text("outcome") + "'");
        }
        String created = required(n, "created");
        String answered = n.text("answered");
        String ended = required(n, "ended");
        long durationMs = n.longValue("duration_ms", 0);
        long setupMs = n.longValue("setup_time_ms", 0);
        boolean answeredCall = outcome == CdrOutcome.ANSWERED;
        if (answeredCall && answered == null) {
            throw new IllegalArgumentException("answered CDR without answered time");
        }
        List<String> flags = n.texts("flags");
        return new Row(answeredCall ? INSERT_ACC : INSERT_MISSED, e, new Object[] {
            n.text("method") == null ? "INVITE" : n.text("method"), nz(n.text("from_tag")), nz(n.text("to_tag")),
            required(n, "call_id"), Long.toString(n.longValue("sip_code", 0)), nz(n.text("sip_reason")),
            dateTime(answeredCall ? answered : ended), Math.round(durationMs / 1000.0), durationMs,
            Math.round(setupMs / 1000.0), dateTime(created),
            required(n, "cdr_id"), n.text("tenant"), n.text("direction"), n.text("from_user"),
            n.text("from_domain"), n.text("to_user"), n.text("to_domain"), n.text("pbx"),
            n.text("source_address"), n.text("destination_address"), outcome.wireName(),
            dateTimeMillis(created), dateTimeMillis(answered), dateTimeMillis(ended), setupMs, n.text("hung_up_by"),
            flags.isEmpty() ? null : String.join(",", flags), (int) n.longValue("schema_version", 1)});
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static String required(EventFields n, String field) {
        String v = n.text(field);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing field " + field);
        }
        return v;
    }

    /** UTC ISO-8601 text to DATETIME literal text in UTC, cut to the second (the OpenSIPS columns). */
    private static String dateTime(String iso) {
        return sqlDateTime(iso, false);
    }

    /**
     * UTC ISO-8601 text to DATETIME(3) literal text, {@code 2026-11-23 10:00:03.125}: bound as text
     * because the MySQL driver drops the fraction of a temporal value for a server it takes for
     * MySQL 5.5 (MariaDB announces itself as 5.5.5-10.x).
     */
    private static String dateTimeMillis(String iso) {
        return sqlDateTime(iso, true);
    }

    private static String sqlDateTime(String iso, boolean millis) {
        try {
            return Timestamps.toSqlDateTime(iso, millis);
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException("bad timestamp '" + iso + "'");
        }
    }
}
