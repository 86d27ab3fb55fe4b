package io.sipflow.module.location;

import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/** Where bindings survive a restart: the {@code location} table. Never called on a SIP thread. */
public interface LocationPersistence {

    /** Inserts or updates these bindings by {@code contact_id}, in one batch. */
    void upsert(Collection<Binding> bindings) throws SQLException;

    /** Deletes these bindings by {@code contact_id}, in one batch. */
    void delete(Collection<Long> contactIds) throws SQLException;

    /** Every binding that has not expired at {@code nowEpochSeconds}. */
    List<Binding> loadActive(long nowEpochSeconds) throws SQLException;
}
