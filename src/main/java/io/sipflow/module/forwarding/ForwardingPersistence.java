package io.sipflow.module.forwarding;

import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/** The {@code secondary_registrar}, {@code secondary_user} and {@code secondary_registration} tables. */
public interface ForwardingPersistence {

    List<SecondaryRegistrar> loadRegistrars() throws SQLException;

    List<SecondaryUser> loadUsers() throws SQLException;

    List<SecondaryRegistrationRow> loadRegistrations() throws SQLException;

    /** Upserts the rows (one transaction). */
    void saveRegistrations(Collection<SecondaryRegistrationRow> rows) throws SQLException;

    /** Adds or replaces the tenant's secondary registrar. */
    void saveRegistrar(SecondaryRegistrar registrar) throws SQLException;

    /** Adds or replaces a per-user mapping/credentials row. */
    void saveUser(SecondaryUser user) throws SQLException;
}
