package io.sipflow.module.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/**
 * One {@code INSERT ... VALUES (?, ...)} statement (optionally followed by {@code ON DUPLICATE KEY
 * UPDATE ...}) executed for many rows at once: rows go in groups of {@link #GROUP_SIZES} rows per
 * statement ({@code VALUES (...), (...), ...}), each group size prepared once per connection on
 * the server ({@link ServerStatements}): values travel binary and the server parses each statement
 * once. Connector/J's own batch rewriting instead copies, measures and escapes every value into a
 * new statement text that the server parses again each time; that was most of the CPU of the
 * event sink and of the location write-back (JFR). 117 rows are one group of 64, three of 16,
 * one of 4 and one single row: at most 10 executions for any remainder under 64.
 */
final class MultiRowInsert {

    /** Rows per execution, largest first; the last must be 1. 64 CDRs are 1,856 parameters (the protocol allows 65,535). */
    static final int[] GROUP_SIZES = {64, 16, 4, 1};

    /** Binds one row's values from parameter index {@code first} on. */
    @FunctionalInterface
    interface RowBinder<T> {
        void bind(PreparedStatement ps, int first, T row) throws SQLException;
    }

    private final String[] sqlByGroup = new String[GROUP_SIZES.length];
    private final int columns;

    /** @param singleRowInsert literal SQL with one {@code VALUES (?, ...)} group of placeholders */
    MultiRowInsert(String singleRowInsert) {
        for (int i = 0; i < GROUP_SIZES.length; i++) {
            sqlByGroup[i] = multiRow(singleRowInsert, GROUP_SIZES[i]);
        }
        this.columns = valuesGroup(singleRowInsert).chars().map(c -> c == '?' ? 1 : 0).sum();
    }

    /** The statement with its {@code VALUES} group repeated {@code rows} times (placeholders only). */
    static String multiRow(String insert, int rows) {
        String group = valuesGroup(insert);
        int end = insert.indexOf(group) + group.length();
        return insert.substring(0, end) + (", " + group).repeat(rows - 1) + insert.substring(end);
    }

    /** {@code (?, ?, ...)} after {@code VALUES}. */
    private static String valuesGroup(String insert) {
        int values = insert.lastIndexOf("VALUES (");
        if (values < 0) {
            throw new IllegalArgumentException("no VALUES (...) group in " + insert);
        }
        int open = values + "VALUES ".length();
        int close = insert.indexOf(')', open);
        return insert.substring(open, close + 1);
    }

    /** Inserts {@code rows} on {@code c} (the caller owns the transaction). */
    <T> void execute(Connection c, List<T> rows, ServerStatements statements, RowBinder<T> binder) throws SQLException {
        int from = 0;
        for (int g = 0; g < GROUP_SIZES.length && from < rows.size(); g++) {
            int size = GROUP_SIZES[g];
            if (rows.size() - from < size) {
                continue;
            }
            PreparedStatement ps = statements.prepared(c, sqlByGroup[g]);
            try {
                while (rows.size() - from >= size) {
                    for (int r = 0; r < size; r++) {
                        binder.bind(ps, r * columns + 1, rows.get(from + r));
                    }
                    ps.executeUpdate();
                    from += size;
                }
            } finally {
                statements.release(ps);
            }
        }
    }
}
