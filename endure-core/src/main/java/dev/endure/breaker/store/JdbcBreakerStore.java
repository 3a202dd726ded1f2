package dev.endure.breaker.store;

import dev.endure.Cancellable;
import dev.endure.breaker.BreakerRecord;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.BreakerStore;
import dev.endure.internal.SqlNames;
import dev.endure.internal.SyncLoop;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * Shares breaker state between every JVM on one database (PostgreSQL; any database with standard SQL and
 * {@code TIMESTAMP WITH TIME ZONE} works): a breaker opened by one instance is OPEN in the others within
 * {@link Builder#syncInterval} (default 1 s). No Java peer does this (Resilience4j #419, #1721, #2146).
 *
 * <pre>{@code
 * JdbcBreakerStore store = JdbcBreakerStore.builder(dataSource).syncInterval(Duration.ofMillis(500)).build();
 * store.createTableIfMissing();        // or run the DDL of tableDdl() in your own migration
 * CircuitBreaker breaker = CircuitBreaker.builder(policy).store(store).build();
 * }</pre>
 *
 * <p>One row per breaker. Only the shared part is stored: CLOSED or OPEN, the wall-clock instant an OPEN
 * breaker lets trials through, the growth step and the forced flag (failure counts stay local to each
 * JVM). Instants are wall-clock time, so the JVMs' clocks should agree to well under the open duration.
 * Writes run in short transactions and never while a breaker holds its lock. One daemon thread per store
 * polls the table with a single query every sync interval and hands newer rows to their breakers. While
 * several JVMs are HALF_OPEN at once, each admits its own trial calls.
 */
public final class JdbcBreakerStore implements BreakerStore {

    private static final System.Logger LOG = System.getLogger(JdbcBreakerStore.class.getName());

    private final DataSource dataSource;
    private final String table;
    private final Duration syncInterval;
    private final ConcurrentHashMap<String, CopyOnWriteArrayList<Consumer<BreakerRecord>>> watchers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> deliveredVersions = new ConcurrentHashMap<>();
    private final SyncLoop poller;

    private JdbcBreakerStore(Builder builder) {
        this.dataSource = builder.dataSource;
        this.table = builder.table;
        this.syncInterval = builder.syncInterval;
        this.poller = new SyncLoop("endure-breaker-sync[" + table + "]", syncInterval, this::pollOnce, LOG,
                "cannot sync breaker states from " + table + " (every " + syncInterval + "); breakers go on with their local state",
                "breaker table " + table + " is readable again; sharing state resumes");
    }

    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    public Duration syncInterval() {
        return syncInterval;
    }

    /** The table's DDL, for a migration tool. */
    public String tableDdl() {
        return "CREATE TABLE IF NOT EXISTS " + table + " ("
                + "name VARCHAR(200) PRIMARY KEY, "
                + "state VARCHAR(16) NOT NULL, "
                + "open_until TIMESTAMP WITH TIME ZONE, "
                + "open_step INTEGER NOT NULL, "
                + "forced BOOLEAN NOT NULL, "
                + "version BIGINT NOT NULL, "
                + "writer VARCHAR(64) NOT NULL, "
                + "updated_at TIMESTAMP WITH TIME ZONE NOT NULL)";
    }

    /** Creates the table unless it exists. */
    public JdbcBreakerStore createTableIfMissing() {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(tableDdl());
            return this;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create breaker table " + table + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<BreakerRecord> load(String name) {
        Objects.requireNonNull(name, "name");
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(selectColumns() + " WHERE name = ?")) {
            select.setString(1, name);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? Optional.of(read(rows)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot load breaker '" + name + "' from " + table + ": " + e.getMessage(), e);
        }
    }

    /**
     * Update-or-insert in one short transaction, portable across databases: the version is bumped by the
     * database itself, so two JVMs saving at once get distinct versions and the later write wins everywhere.
     */
    @Override
    public long save(BreakerRecord record) {
        for (int tries = 1; ; tries++) {
            try (Connection connection = dataSource.getConnection()) {
                boolean autoCommit = connection.getAutoCommit();
                connection.setAutoCommit(false);
                try {
                    long version = upsert(connection, record);
                    connection.commit();
                    return version;
                } catch (SQLException e) {
                    connection.rollback();
                    throw e;
                } finally {
                    connection.setAutoCommit(autoCommit);
                }
            } catch (SQLException e) {
                // Two first saves of one name can race to INSERT; the loser retries as an UPDATE.
                if (tries >= 3 || !isUniqueViolation(e)) {
                    throw new IllegalStateException("cannot save breaker '" + record.name() + "' to " + table + ": "
                            + e.getMessage(), e);
                }
            }
        }
    }

    private long upsert(Connection connection, BreakerRecord record) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE " + table
                + " SET state = ?, open_until = ?, open_step = ?, forced = ?, version = version + 1, writer = ?, updated_at = ?"
                + " WHERE name = ?")) {
            bind(update, record);
            update.setString(7, record.name());
            if (update.executeUpdate() == 0) {
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table
                        + " (state, open_until, open_step, forced, writer, updated_at, name, version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)")) {
                    bind(insert, record);
                    insert.setString(7, record.name());
                    insert.executeUpdate();
                }
                return 1;
            }
        }
        try (PreparedStatement version = connection.prepareStatement("SELECT version FROM " + table + " WHERE name = ?")) {
            version.setString(1, record.name());
            try (ResultSet rows = version.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static void bind(PreparedStatement statement, BreakerRecord record) throws SQLException {
        statement.setString(1, record.state().name());
        statement.setObject(2, record.openUntil() == null ? null : OffsetDateTime.ofInstant(record.openUntil(), ZoneOffset.UTC));
        statement.setInt(3, record.openStep());
        statement.setBoolean(4, record.forced());
        statement.setString(5, record.writer());
        statement.setObject(6, OffsetDateTime.ofInstant(record.updatedAt(), ZoneOffset.UTC));
    }

    private static boolean isUniqueViolation(SQLException e) {
        for (Throwable current = e; current != null; current = current.getCause()) {
            if (current instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("23")) {
                return true;
            }
        }
        return false;
    }

    /** Starts the poller on the first watch; it checks every sync interval for rows other JVMs wrote. */
    @Override
    public Cancellable watch(String name, Consumer<BreakerRecord> onChange) {
        Objects.requireNonNull(onChange, "onChange");
        watchers.computeIfAbsent(name, key -> new CopyOnWriteArrayList<>()).add(onChange);
        poller.start();
        return () -> watchers.getOrDefault(name, new CopyOnWriteArrayList<>()).remove(onChange);
    }

    /**
     * Reads every row once and hands each watched breaker a row newer than the last one handed to it.
     * The poller calls this every sync interval; call it yourself to sync now.
     */
    public void pollOnce() {
        if (watchers.isEmpty()) {
            return;
        }
        Map<String, BreakerRecord> latest = new java.util.HashMap<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(selectColumns());
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                BreakerRecord record = read(rows);
                latest.put(record.name(), record);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read breaker states from " + table + ": " + e.getMessage(), e);
        }
        latest.forEach((name, record) -> {
            CopyOnWriteArrayList<Consumer<BreakerRecord>> interested = watchers.get(name);
            if (interested == null || interested.isEmpty()) {
                return;
            }
            Long delivered = deliveredVersions.get(name);
            if (delivered != null && delivered >= record.version()) {
                return;
            }
            deliveredVersions.put(name, record.version());
            for (Consumer<BreakerRecord> watcher : interested) {
                watcher.accept(record);
            }
        });
    }

    private String selectColumns() {
        return "SELECT name, state, open_until, open_step, forced, version, writer, updated_at FROM " + table;
    }

    private BreakerRecord read(ResultSet rows) throws SQLException {
        String name = rows.getString("name");
        String state = rows.getString("state");
        try {
            OffsetDateTime until = rows.getObject("open_until", OffsetDateTime.class);
            OffsetDateTime updated = rows.getObject("updated_at", OffsetDateTime.class);
            return new BreakerRecord(name, BreakerState.valueOf(state), until == null ? null : until.toInstant(),
                    rows.getInt("open_step"), rows.getBoolean("forced"), rows.getLong("version"), rows.getString("writer"),
                    updated == null ? Instant.EPOCH : updated.toInstant());
        } catch (IllegalArgumentException bad) {
            throw new SQLException("row of breaker '" + name + "' in " + table + " is not a valid record (state " + state
                    + "): " + bad.getMessage(), bad);
        }
    }

    /** Stops the poller. Breakers keep their local state. */
    @Override
    public void close() {
        poller.close();
    }

    @Override
    public String toString() {
        return "JdbcBreakerStore[" + table + ", sync every " + syncInterval + "]";
    }

    /** Builds a {@link JdbcBreakerStore}. */
    public static final class Builder {
        private final DataSource dataSource;
        private String table = "endure_breaker_state";
        private Duration syncInterval = Duration.ofSeconds(1);

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** The table, optionally schema-qualified (default {@code endure_breaker_state}). */
        public Builder table(String table) {
            this.table = table;
            return this;
        }

        /** How often the store reads what other JVMs wrote (default 1 s). */
        public Builder syncInterval(Duration syncInterval) {
            this.syncInterval = syncInterval;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException if the table name is not a plain SQL identifier or the interval
         *     is not positive
         */
        public JdbcBreakerStore build() {
            SqlNames.checkTable(table);
            SyncLoop.checkInterval(syncInterval);
            return new JdbcBreakerStore(this);
        }
    }
}
