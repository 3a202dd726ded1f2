package dev.endure.internal;

import java.util.Objects;
import java.util.regex.Pattern;

/** Checks the table names the JDBC stores splice into their SQL (they cannot be bind parameters). */
public final class SqlNames {

    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private SqlNames() {}

    /**
     * Returns {@code table} if it is a plain SQL identifier, optionally schema-qualified.
     *
     * @throws IllegalArgumentException naming the value otherwise
     */
    public static String checkTable(String table) {
        Objects.requireNonNull(table, "table");
        if (!TABLE_NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("table must be a plain SQL identifier, optionally schema-qualified"
                    + " (was '" + table + "')");
        }
        return table;
    }
}
