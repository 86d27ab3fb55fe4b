package io.sipflow.module.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database up to the SipFlow schema: when one of the tables of {@link #TABLES}
 * ({@code domain}, {@code dispatcher}, {@code location}, and the event tables {@code acc},
 * {@code missed_calls}, {@code registration_events}, {@code stats}) is missing, applies
 * {@code sql/schema.sql} (idempotent, {@code CREATE TABLE IF NOT EXISTS}). Existing tables are
 * never altered. The demo tenants ({@code sql/demo-tenants.sql}) are applied on request only.
 */
public final class SchemaInstaller {

    /** The tables SipFlow needs, in the order {@code sql/schema.sql} creates them. */
    public static final List<String> TABLES = List.of("domain", "dispatcher", "location", "secondary_registrar",
            "secondary_user", "secondary_registration", "acc", "missed_calls", "registration_events", "stats");

    private static final Logger LOG = LoggerFactory.getLogger(SchemaInstaller.class);

    private final DataSource dataSource;

    public SchemaInstaller(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Creates the missing tables.
     *
     * @return the tables that were created (empty when the schema was already complete)
     */
    public Set<String> install() throws SQLException {
        Set<String> missing = missingTables();
        if (missing.isEmpty()) {
            LOG.debug("Database schema complete: {}", TABLES);
            return missing;
        }
        execute(SqlScript.load("schema"));
        LOG.info("Created database table(s) {} from sql/schema.sql", missing);
        return missing;
    }

    /** Applies {@code sql/demo-tenants.sql}; harmless when applied again. */
    public void applyDemoTenants() throws SQLException {
        execute(SqlScript.load("demo-tenants"));
        LOG.info("Applied demo tenants from sql/demo-tenants.sql");
    }

    /** The tables of {@link #TABLES} that the current database (catalog) does not have. */
    public Set<String> missingTables() throws SQLException {
        Set<String> missing = new LinkedHashSet<>(TABLES);
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")) {
            while (rs.next()) {
                missing.remove(rs.getString(1).toLowerCase(Locale.ROOT));
            }
        }
        return missing;
    }

    private void execute(List<String> statements) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }
}
