package io.sipflow.testsupport;

import io.sipflow.module.db.EmbeddedMariaDb;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded MariaDB for the whole test JVM (started on first use, stopped at JVM exit); every
 * SipFlow instance a test starts gets a database of its own in it, so tests stay independent and
 * nobody pays the server start twice.
 */
public final class TestMariaDb {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedMariaDb server;

    private TestMariaDb() {
    }

    public static synchronized EmbeddedMariaDb server() {
        if (server == null) {
            server = EmbeddedMariaDb.start(0, null, "sipflow");
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "test-mariadb-stop"));
        }
        return server;
    }

    /** A JDBC URL of a fresh, empty database in the shared server. */
    public static String newDatabaseUrl() {
        return "jdbc:mysql://127.0.0.1:" + server().port() + "/sipflow_test_" + DATABASES.incrementAndGet()
                + "?createDatabaseIfNotExist=true&rewriteBatchedStatements=true";
    }

    /** The single number a {@code SELECT COUNT(...)} gives, its {@code ?} bound to {@code params}. */
    public static long count(java.sql.Connection c, String sql, String... params) throws java.sql.SQLException {
        try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
