package dev.endure.bench.delivery;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** What a cell's PostgreSQL database spent so far, read from the same machine: its backends' CPU and its commits. */
final class DatabaseCounters {

    private DatabaseCounters() {}

    /** CPU time of the backends connected to the database now (Linux {@code /proc}): what the database spends on the work. */
    static long backendCpuNanos(String jdbcUrl) throws Exception {
        long ticks = 0;
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND pid <> pg_backend_pid()")) {
            while (rows.next()) {
                try {
                    String stat = Files.readString(Path.of("/proc", rows.getString(1), "stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
                } catch (java.io.IOException | RuntimeException gone) {
                    // the backend ended meanwhile
                }
            }
        }
        return ticks * 10_000_000L; // USER_HZ = 100
    }

    /** Transactions committed in the database so far (waits out PostgreSQL's statistics lag of up to a second). */
    static long commits(String jdbcUrl) throws Exception {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1200));
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
            row.next();
            return row.getLong(1);
        }
    }
}
