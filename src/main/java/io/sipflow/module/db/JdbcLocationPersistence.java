package io.sipflow.module.db;

import io.sipflow.module.location.Binding;
import io.sipflow.module.location.LocationPersistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;

/**
 * {@link LocationPersistence} on the OpenSIPS {@code location} table (MySQL 8 / MariaDB).
 * Upserts by {@code contact_id} with {@code INSERT ... ON DUPLICATE KEY UPDATE col=VALUES(col)},
 * the form both servers accept, many rows per statement ({@link MultiRowInsert}); deletes as JDBC
 * batches. Each call is one transaction.
 * {@code last_modified} is a UTC DATETIME, so milliseconds are not kept; the OpenSIPS columns
 * SipFlow does not use (flags, cflags, methods, kv_store, attr) keep their values.
 */
public final class JdbcLocationPersistence implements LocationPersistence {

    /** Rows per executeBatch: bounds the size of one round trip. */
    static final int BATCH_SIZE = 500;

    // constant SQL text only (text blocks): every value goes through a ? parameter
    private static final String UPSERT = """
            INSERT INTO location (contact_id, username, domain, contact, received, path, expires, q, callid,
             cseq, last_modified, user_agent, socket, sip_instance, pbx)"""
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON DUPLICATE KEY UPDATE username = VALUES(username), domain = VALUES(domain),"
            + " contact = VALUES(contact), received = VALUES(received), path = VALUES(path),"
            + " expires = VALUES(expires), q = VALUES(q), callid = VALUES(callid), cseq = VALUES(cseq),"
            + " last_modified = VALUES(last_modified), user_agent = VALUES(user_agent), socket = VALUES(socket),"
            + " sip_instance = VALUES(sip_instance), pbx = VALUES(pbx)";

    private static final String DELETE = "DELETE FROM location WHERE contact_id = ?";

    private static final String LOAD_ACTIVE = """
            SELECT contact_id, username, domain, contact, received, path, expires, q, callid,
             cseq, last_modified, user_agent, socket, sip_instance, pbx FROM location WHERE expires > ?""";

    private static final MultiRowInsert MULTI_ROW_UPSERT = new MultiRowInsert(UPSERT);

    private final DataSource dataSource;
    private final ServerStatements statements = new ServerStatements();

    public JdbcLocationPersistence(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public void upsert(Collection<Binding> bindings) throws SQLException {
        if (bindings.isEmpty()) {
            return;
        }
        List<Binding> rows = List.copyOf(bindings);
        try (Connection c = dataSource.getConnection()) {
            inTransaction(c, () -> MULTI_ROW_UPSERT.execute(c, rows, statements, JdbcLocationPersistence::bind));
        }
    }

    @Override
    public void delete(Collection<Long> contactIds) throws SQLException {
        inBatches(DELETE, contactIds, (ps, id) -> ps.setLong(1, id));
    }

    /** One transaction, JDBC batches of {@link #BATCH_SIZE}. */
    private <T> void inBatches(String sql, Collection<T> items, Binder<T> binder) throws SQLException {
        if (items.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection()) {
            inTransaction(c, () -> {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    int n = 0;
                    for (T item : items) {
                        binder.bind(ps, item);
                        ps.addBatch();
                        if (++n % BATCH_SIZE == 0) {
                            ps.executeBatch();
                        }
                    }
                    if (n % BATCH_SIZE != 0) {
                        ps.executeBatch();
                    }
                }
            });
        }
    }

    /** Sets the parameters of one batch entry. */
    @FunctionalInterface
    private interface Binder<T> {
        void bind(PreparedStatement ps, T item) throws SQLException;
    }

    @Override
    public List<Binding> loadActive(long nowEpochSeconds) throws SQLException {
        List<Binding> bindings = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(LOAD_ACTIVE)) {
            ps.setLong(1, nowEpochSeconds);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    bindings.add(read(rs));
                }
            }
        }
        return bindings;
    }

    /** One row's 15 values from parameter {@code i} on. */
    private static void bind(PreparedStatement ps, int i, Binding b) throws SQLException {
        ps.setLong(i, b.contactId());
        ps.setString(i + 1, orEmpty(b.username()));
        ps.setString(i + 2, b.domain());
        ps.setString(i + 3, orEmpty(b.contact()));
        ps.setString(i + 4, b.received());
        ps.setString(i + 5, b.path());
        ps.setLong(i + 6, b.expires());
        ps.setFloat(i + 7, b.q());
        ps.setString(i + 8, orEmpty(b.callId()));
        ps.setLong(i + 9, b.cseq());
        ps.setObject(i + 10, LocalDateTime.ofEpochSecond(Math.floorDiv(b.lastModified(), 1000L), 0, ZoneOffset.UTC));
        ps.setString(i + 11, orEmpty(b.userAgent()));
        ps.setString(i + 12, b.socket());
        ps.setString(i + 13, b.instance());
        ps.setString(i + 14, b.pbx());
    }

    private static Binding read(ResultSet rs) throws SQLException {
        LocalDateTime modified = rs.getObject("last_modified", LocalDateTime.class);
        return new Binding(
                rs.getLong("contact_id"),
                rs.getString("username"),
                rs.getString("domain"),
                rs.getString("contact"),
                rs.getString("received"),
                rs.getString("path"),
                rs.getLong("expires"),
                rs.getFloat("q"),
                rs.getString("callid"),
                rs.getLong("cseq"),
                modified == null ? 0 : modified.toEpochSecond(ZoneOffset.UTC) * 1000L,
                rs.getString("user_agent"),
                rs.getString("socket"),
                rs.getString("sip_instance"),
                rs.getString("pbx"));
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    /** Runs {@code work} in one transaction on {@code c}: commit, or roll back and rethrow. */
    static void inTransaction(Connection c, SqlWork work) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            work.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** A unit of JDBC work. */
    @FunctionalInterface
    interface SqlWork {
        void run() throws SQLException;
    }
}
