package io.sipflow.module.db;

import io.sipflow.module.forwarding.ForwardingPersistence;
import io.sipflow.module.forwarding.ForwardingState;
import io.sipflow.module.forwarding.SecondaryRegistrar;
import io.sipflow.module.forwarding.SecondaryRegistrationRow;
import io.sipflow.module.forwarding.SecondaryUser;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import javax.sql.DataSource;

/** {@link ForwardingPersistence} on MySQL 8 / MariaDB; prepared statements only. */
public final class JdbcForwardingPersistence implements ForwardingPersistence {

    private static final String LOAD_REGISTRARS = "SELECT domain, registrar_uri, setid, secondary_domain, auth_username,"
            + " auth_password, expires, enabled FROM secondary_registrar ORDER BY domain";

    private static final String LOAD_USERS = "SELECT domain, username, secondary_username, auth_username, auth_password"
            + " FROM secondary_user ORDER BY domain, username";

    private static final String LOAD_REGISTRATIONS = "SELECT domain, username, secondary_username, registrar, callid,"
            + " cseq, from_tag, state, expires, attempts, next_attempt, last_code, last_reason, last_modified"
            + " FROM secondary_registration ORDER BY domain, username";

    private static final String SAVE_REGISTRATION = "INSERT INTO secondary_registration (domain, username,"
            + " secondary_username, registrar, callid, cseq, from_tag, state, expires, attempts, next_attempt, last_code,"
            + " last_reason, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
            + " secondary_username = VALUES(secondary_username), registrar = VALUES(registrar), callid = VALUES(callid),"
            + " cseq = VALUES(cseq), from_tag = VALUES(from_tag), state = VALUES(state), expires = VALUES(expires),"
            + " attempts = VALUES(attempts), next_attempt = VALUES(next_attempt), last_code = VALUES(last_code),"
            + " last_reason = VALUES(last_reason), last_modified = VALUES(last_modified)";

    private static final String SAVE_REGISTRAR = "INSERT INTO secondary_registrar (domain, registrar_uri, setid,"
            + " secondary_domain, auth_username, auth_password, expires, enabled, last_modified)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE registrar_uri = VALUES(registrar_uri),"
            + " setid = VALUES(setid), secondary_domain = VALUES(secondary_domain), auth_username = VALUES(auth_username),"
            + " auth_password = VALUES(auth_password), expires = VALUES(expires), enabled = VALUES(enabled),"
            + " last_modified = VALUES(last_modified)";

    private static final String SAVE_USER = "INSERT INTO secondary_user (domain, username, secondary_username,"
            + " auth_username, auth_password) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE"
            + " secondary_username = VALUES(secondary_username), auth_username = VALUES(auth_username),"
            + " auth_password = VALUES(auth_password)";

    private final DataSource dataSource;

    public JdbcForwardingPersistence(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public List<SecondaryRegistrar> loadRegistrars() throws SQLException {
        return JdbcRows.all(dataSource, LOAD_REGISTRARS, rs -> new SecondaryRegistrar(rs.getString("domain"),
                rs.getString("registrar_uri"), rs.getInt("setid"), rs.getString("secondary_domain"),
                rs.getString("auth_username"), rs.getString("auth_password"), (Integer) rs.getObject("expires", Integer.class),
                rs.getInt("enabled") != 0));
    }

    @Override
    public List<SecondaryUser> loadUsers() throws SQLException {
        return JdbcRows.all(dataSource, LOAD_USERS, rs -> new SecondaryUser(rs.getString("domain"), rs.getString("username"),
                rs.getString("secondary_username"), rs.getString("auth_username"), rs.getString("auth_password")));
    }

    @Override
    public List<SecondaryRegistrationRow> loadRegistrations() throws SQLException {
        return JdbcRows.all(dataSource, LOAD_REGISTRATIONS, rs -> new SecondaryRegistrationRow(rs.getString("domain"),
                rs.getString("username"), rs.getString("secondary_username"), rs.getString("registrar"),
                rs.getString("callid"), rs.getLong("cseq"), rs.getString("from_tag"),
                ForwardingState.fromLabel(rs.getString("state")), rs.getLong("expires"), rs.getInt("attempts"),
                rs.getLong("next_attempt"), rs.getInt("last_code"), rs.getString("last_reason"),
                rs.getTimestamp("last_modified").getTime()));
    }

    @Override
    public void saveRegistrations(Collection<SecondaryRegistrationRow> rows) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(SAVE_REGISTRATION)) {
            c.setAutoCommit(false);
            try {
                for (SecondaryRegistrationRow r : rows) {
                    ps.setString(1, r.domain());
                    ps.setString(2, r.username());
                    ps.setString(3, r.secondaryUsername());
                    ps.setString(4, r.registrar());
                    ps.setString(5, r.callId());
                    ps.setLong(6, r.cseq());
                    ps.setString(7, r.fromTag());
                    ps.setString(8, r.state().label());
                    ps.setLong(9, r.expires());
                    ps.setInt(10, r.attempts());
                    ps.setLong(11, r.nextAttempt());
                    ps.setInt(12, r.lastCode());
                    ps.setString(13, r.lastReason() == null ? null : truncate(r.lastReason(), 128));
                    ps.setTimestamp(14, Timestamp.from(Instant.ofEpochMilli(r.lastModified())));
                    ps.addBatch();
                }
                ps.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    @Override
    public void saveRegistrar(SecondaryRegistrar r) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(SAVE_REGISTRAR)) {
            ps.setString(1, r.domain());
            ps.setString(2, r.registrarUri());
            ps.setInt(3, r.setId());
            ps.setString(4, r.secondaryDomain());
            ps.setString(5, r.authUsername());
            ps.setString(6, r.authPassword());
            if (r.expires() == null) {
                ps.setNull(7, Types.INTEGER);
            } else {
                ps.setInt(7, r.expires());
            }
            ps.setInt(8, r.enabled() ? 1 : 0);
            ps.setObject(9, LocalDateTime.now(ZoneOffset.UTC).withNano(0));
            ps.executeUpdate();
        }
    }

    @Override
    public void saveUser(SecondaryUser u) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(SAVE_USER)) {
            ps.setString(1, u.domain());
            ps.setString(2, u.username());
            ps.setString(3, u.secondaryUsername());
            ps.setString(4, u.authUsername());
            ps.setString(5, u.authPassword());
            ps.executeUpdate();
        }
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
