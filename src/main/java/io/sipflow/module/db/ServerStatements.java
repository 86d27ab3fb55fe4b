package io.sipflow.module.db;

import com.mysql.cj.jdbc.JdbcConnection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Statements prepared on the server once per physical connection and kept open across pool
 * borrowings (MySQL Connector/J): the pool closes the statements made through its connection
 * wrapper when the connection goes back, so these are made on the driver's own connection and
 * live as long as it does. A statement whose connection was closed (pool retirement, network
 * failure) is prepared again on next use. With another driver every use prepares (and
 * {@link #release} closes) a plain statement. A connection is used by one thread at a time (it is
 * borrowed), so only the map is shared.
 */
final class ServerStatements {

    private final Map<JdbcConnection, Map<String, PreparedStatement>> byConnection = new IdentityHashMap<>();

    /** A prepared statement for {@code sql} on {@code c}; hand it to {@link #release} when done. */
    PreparedStatement prepared(Connection c, String sql) throws SQLException {
        if (!c.isWrapperFor(JdbcConnection.class)) {
            return c.prepareStatement(sql);
        }
        JdbcConnection physical = c.unwrap(JdbcConnection.class);
        Map<String, PreparedStatement> statements = statementsOf(physical);
        PreparedStatement ps = statements.get(sql);
        if (ps == null || ps.isClosed()) {
            ps = physical.serverPrepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    /** After use: keeps a server-prepared statement (every use binds all its parameters), closes a single-use one. */
    void release(PreparedStatement ps) throws SQLException {
        if (!(ps.getConnection() instanceof JdbcConnection)) {
            ps.close();
        }
    }

    private synchronized Map<String, PreparedStatement> statementsOf(JdbcConnection physical) throws SQLException {
        Map<String, PreparedStatement> statements = byConnection.get(physical);
        if (statements == null) {
            // a new physical connection: forget the ones the pool has closed since
            byConnection.keySet().removeIf(ServerStatements::isClosed);
            statements = new HashMap<>();
            byConnection.put(physical, statements);
        }
        return statements;
    }

    private static boolean isClosed(JdbcConnection connection) {
        try {
            return connection.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }
}
