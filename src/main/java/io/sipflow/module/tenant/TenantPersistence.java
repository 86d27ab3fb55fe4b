package io.sipflow.module.tenant;

import java.sql.SQLException;
import java.util.List;

/** The {@code domain} and {@code dispatcher} tables: tenants and their PBX sets. */
public interface TenantPersistence {

    List<TenantDomain> loadDomains() throws SQLException;

    List<DispatcherEntry> loadDispatchers() throws SQLException;

    /** Adds (or updates the set of) a tenant domain. */
    void saveDomain(TenantDomain domain) throws SQLException;

    /** Adds a dispatcher destination; returns its id. */
    int addDispatcher(DispatcherEntry entry) throws SQLException;

    /** Removes a tenant domain (its dispatcher set stays). */
    void deleteDomain(String domain) throws SQLException;
}
