package io.sipflow.module.db;

import io.sipflow.module.tenant.DispatcherEntry;
import io.sipflow.module.tenant.TenantDomain;
import io.sipflow.module.tenant.TenantPersistence;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;

/**
 * {@link TenantPersistence} on the OpenSIPS {@code domain} table (with SipFlow's {@code setid})
 * and the {@code dispatcher} table (MySQL 8 / MariaDB). A dispatcher {@code weight} that is not a
 * plain number (OpenSIPS allows other forms) is read as 1.
 */
public final class JdbcTenantPersistence implements TenantPersistence {

    private static final String LOAD_DOMAINS = "SELECT domain, setid, attrs FROM domain ORDER BY domain";

    private static final String LOAD_DISPATCHERS = "SELECT id, setid, destination, socket, state, probe_mode, weight,"
            + " priority, attrs, description FROM dispatcher ORDER BY setid, id";

    private static final String SAVE_DOMAIN = "INSERT INTO domain (domain, setid, attrs, last_modified)"
            + " VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE setid = VALUES(setid), attrs = VALUES(attrs),"
            + " last_modified = VALUES(last_modified)";

    private static final String ADD_DISPATCHER = "INSERT INTO dispatcher (setid, destination, socket, state,"
            + " probe_mode, weight, priority, attrs, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private static final String ADD_DISPATCHER_WITH_ID = "INSERT INTO dispatcher (setid, destination, socket, state,"
            + " probe_mode, weight, priority, attrs, description, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private static final String DELETE_DOMAIN = "DELETE FROM domain WHERE domain = ?";

    private final DataSource dataSource;

    public JdbcTenantPersistence(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public List<TenantDomain> loadDomains() throws SQLException {
        return queryAll(LOAD_DOMAINS,
                rs -> new TenantDomain(rs.getString("domain"), rs.getInt("setid"), rs.getString("attrs")));
    }

    @Override
    public List<DispatcherEntry> loadDispatchers() throws SQLException {
        return queryAll(LOAD_DISPATCHERS, rs -> new DispatcherEntry(rs.getInt("id"), rs.getInt("setid"),
                rs.getString("destination"), rs.getString("socket"), rs.getInt("state"), rs.getInt("probe_mode"),
                weight(rs.getString("weight")), rs.getInt("priority"), rs.getString("attrs"), rs.getString("description")));
    }

    private <T> List<T> queryAll(String sql, JdbcRows.RowMapper<T> mapper) throws SQLException {
        return JdbcRows.all(dataSource, sql, mapper);
    }

    @Override
    public void saveDomain(TenantDomain domain) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(SAVE_DOMAIN)) {
            ps.setString(1, domain.domain());
            ps.setInt(2, domain.setId());
            ps.setString(3, domain.attrs());
            ps.setObject(4, LocalDateTime.now(ZoneOffset.UTC).withNano(0));
            ps.executeUpdate();
        }
    }

    /** Inserts the entry; its {@code id} is used when positive, else the database assigns one. */
    @Override
    public int addDispatcher(DispatcherEntry entry) throws SQLException {
        boolean explicitId = entry.id() > 0;
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(explicitId ? ADD_DISPATCHER_WITH_ID : ADD_DISPATCHER,
                        Statement.RETURN_GENERATED_KEYS)) {
            ps.setInt(1, entry.setId());
            ps.setString(2, entry.destination());
            ps.setString(3, entry.socket());
            ps.setInt(4, entry.state());
            ps.setInt(5, entry.probeMode());
            ps.setString(6, Integer.toString(entry.weight()));
            ps.setInt(7, entry.priority());
            ps.setString(8, entry.attrs());
            ps.setString(9, entry.description());
            if (explicitId) {
                ps.setInt(10, entry.id());
            }
            ps.executeUpdate();
            if (explicitId) {
                return entry.id();
            }
            try (ResultSet keys = ps.getGeneratedKeys()) {
                if (!keys.next()) {
                    throw new SQLException("No id returned for the new dispatcher row");
                }
                return keys.getInt(1);
            }
        }
    }

    @Override
    public void deleteDomain(String domain) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(DELETE_DOMAIN)) {
            ps.setString(1, domain);
            ps.executeUpdate();
        }
    }

    private static int weight(String value) {
        try {
            return value == null ? 1 : Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
