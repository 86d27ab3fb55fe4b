package io.sipflow.module.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool.PoolInitializationException;

import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * The connection pool to SipFlow's database (MySQL 8 or MariaDB). Small on purpose: the database
 * is only touched off the SIP threads (location write-behind, tenant reloads). Fails at once, with
 * a message naming {@code sipflow.db.url}, when the database cannot be reached; passwords never
 * appear in messages.
 */
public final class Database implements AutoCloseable {

    static final int POOL_SIZE = 4;
    static final long CONNECTION_TIMEOUT_MS = 5_000;

    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(password\\w*=)[^&;)]*");
    private static final Pattern URL_USER_INFO = Pattern.compile("(//[^/:@]*):[^/@]*@");

    private final HikariDataSource dataSource;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Opens the pool and one connection to check the database is reachable.
     *
     * @throws IllegalStateException when no connection can be made
     */
    public static Database connect(String url, String user, String password) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("sipflow.db.url is empty");
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("sipflow-db");
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(POOL_SIZE);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(CONNECTION_TIMEOUT_MS);
        // one attempt at start-up: an unreachable database is a configuration error, reported at once
        config.setInitializationFailTimeout(1);
        config.addDataSourceProperty("connectTimeout", String.valueOf(CONNECTION_TIMEOUT_MS));
        // a JDBC batch as one multi-row INSERT (the event sink's batches): many times fewer round trips
        config.addDataSourceProperty("rewriteBatchedStatements", "true");
        try {
            return new Database(new HikariDataSource(config));
        } catch (PoolInitializationException e) {
            throw new IllegalStateException("Cannot connect to the database at sipflow.db.url=" + redact(url)
                    + " as user '" + (user == null ? "" : user) + "': " + rootMessage(e)
                    + " (check sipflow.db.url, sipflow.db.user, sipflow.db.password)", e);
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void close() {
        dataSource.close();
    }

    /** The URL with any password in it masked, fit for a log line. */
    static String redact(String url) {
        String masked = URL_PASSWORD.matcher(url).replaceAll("$1****");
        return URL_USER_INFO.matcher(masked).replaceAll("$1:****@");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
