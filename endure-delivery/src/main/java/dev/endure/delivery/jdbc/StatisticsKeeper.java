package dev.endure.delivery.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * PostgreSQL, where autovacuum does not visit the store's busy tables: the store refreshes their statistics itself, as
 * autovacuum's ANALYZE would, once the rows it wrote since the last one pass autovacuum's default threshold (50 rows and
 * 10 % of the table), and, as autovacuum visits a database at most once a minute, no sooner than 10 s after the last
 * one unless the table has doubled since (the plans that matter are the ones made while it was a fraction of its size,
 * and the statistics of a large table change slowly; ANALYZE itself costs CPU: once per 1,000 rows it was the database's
 * busiest statement). Without it, a statement the driver prepared on the server keeps the generic plan it got while the
 * tables were empty (a scan where a probe of the primary key belongs) for as long as the server runs: on the shared test
 * server a delivery cost PostgreSQL 174 µs of CPU instead of 91, and throughput fell from about 7,600 to 4,600
 * deliveries/s. An {@code ANALYZE} updates the statistics and makes the server drop those plans. It runs on a daemon
 * thread of its own, one at a time, never on a caller's. Dead rows are still only reclaimed by VACUUM, which stays the
 * operator's (the store warns at start, see {@link JdbcDeliveryStore#tablesAutovacuumSkips}).
 */
final class StatisticsKeeper {

    /** Does nothing: H2, or autovacuum visits every busy table. */
    static final StatisticsKeeper NONE = new StatisticsKeeper(null, List.of());

    private static final System.Logger LOG = System.getLogger(StatisticsKeeper.class.getName());
    /** autovacuum_analyze_threshold and autovacuum_analyze_scale_factor at their defaults. */
    private static final long BASE_THRESHOLD = 50;
    private static final double SCALE_FACTOR = 0.1;
    /** Least time between two ANALYZE runs, unless the table has doubled. */
    private static final long MIN_INTERVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

    private final DataSource dataSource;
    private final List<String> tables;
    private final AtomicLong changed = new AtomicLong();
    private final AtomicBoolean analyzing = new AtomicBoolean();
    private final AtomicLong analyses = new AtomicLong();

    private volatile long threshold = BASE_THRESHOLD;
    /** Rows in the largest table at the last ANALYZE (0 before the first). */
    private volatile long rowsAtLast;
    private volatile long lastNanos;
    private final java.util.function.LongSupplier nanoTime;
    /** ANALYZE runs started (a thread each), whether or not they succeeded. */
    private final AtomicLong started = new AtomicLong();
    /** Whether a failed ANALYZE was logged as a warning already (the next ones are logged at DEBUG). */
    private volatile boolean warned;

    StatisticsKeeper(DataSource dataSource, List<String> tables) {
        this(dataSource, tables, System::nanoTime);
    }

    /** @param nanoTime the clock that paces the runs (tests drive it) */
    StatisticsKeeper(DataSource dataSource, List<String> tables, java.util.function.LongSupplier nanoTime) {
        this.dataSource = dataSource;
        this.tables = List.copyOf(tables);
        this.nanoTime = nanoTime;
        this.lastNanos = nanoTime.getAsLong() - MIN_INTERVAL_NANOS;
    }

    /** Counts {@code rows} rows written to the busy tables; past the threshold, starts an ANALYZE (unless one is running). */
    void changed(int rows) {
        if (tables.isEmpty() || rows <= 0) {
            return;
        }
        long sinceLast = changed.addAndGet(rows);
        if (sinceLast >= threshold && (sinceLast >= rowsAtLast || nanoTime.getAsLong() - lastNanos >= MIN_INTERVAL_NANOS)
                && analyzing.compareAndSet(false, true)) {
            changed.set(0);
            started.incrementAndGet();
            Thread analyze = new Thread(this::analyze, "endure-delivery-analyze");
            analyze.setDaemon(true);
            analyze.start();
        }
    }

    /** ANALYZE runs that succeeded so far (for tests). */
    long analyses() {
        return analyses.get();
    }

    /** ANALYZE runs started so far, failed ones included (for tests). */
    long started() {
        return started.get();
    }

    /** Whether a run is under way (for tests). */
    boolean running() {
        return analyzing.get();
    }

    private void analyze() {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            if (!connection.getAutoCommit()) {
                connection.setAutoCommit(true);
            }
            statement.execute("ANALYZE " + String.join(", ", tables));
            analyses.incrementAndGet();
            // As autovacuum: the next one after 50 rows plus a tenth of the largest table's rows have changed.
            try (ResultSet row = statement.executeQuery("SELECT max(reltuples)::bigint FROM pg_class WHERE relname IN ('"
                    + String.join("', '", tables) + "') AND relnamespace = current_schema()::regnamespace")) {
                long rows = row.next() ? Math.max(0, row.getLong(1)) : 0;
                threshold = BASE_THRESHOLD + (long) (SCALE_FACTOR * rows);
                rowsAtLast = rows;
                lastNanos = nanoTime.getAsLong();
            }
        } catch (SQLException e) {
            // The database away, as a rule: try again no sooner than the interval, and warn once, not every 10 s.
            rowsAtLast = Long.MAX_VALUE;
            lastNanos = nanoTime.getAsLong();
            LOG.log(warned ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING, "cannot ANALYZE " + String.join(", ", tables)
                    + " (autovacuum does not visit them); trying again later: " + e.getMessage());
            warned = true;
        } finally {
            analyzing.set(false);
        }
    }
}
