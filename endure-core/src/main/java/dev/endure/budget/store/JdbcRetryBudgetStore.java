package dev.endure.budget.store;

import dev.endure.Cancellable;
import dev.endure.budget.BudgetStore;
import dev.endure.internal.SqlNames;
import dev.endure.internal.SyncLoop;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import javax.sql.DataSource;

/**
 * Pools retry budgets of every JVM on one database (PostgreSQL; any database with standard SQL and
 * {@code TIMESTAMP WITH TIME ZONE} works), so that a budget's ratio and floor bound the cluster.
 *
 * <pre>{@code
 * JdbcRetryBudgetStore store = JdbcRetryBudgetStore.builder(dataSource).build().createTableIfMissing();
 * RetryBudget budget = RetryBudget.shared(RetryBudgetPolicy.named("billing"), store);
 * }</pre>
 *
 * <p>One row per budget and instance: the calls and retries inside its window, the retries it reserved
 * until its next sync (its share of what the cluster had left), and when they were written
 * (the database's clock, so the JVMs' clocks need not agree). Every {@link Builder#syncInterval} (default
 * 500 ms) one daemon thread reads all rows in one query and writes this JVM's rows; rows not rewritten
 * within {@link Builder#staleAfter} (default ten sync intervals, 5 s) belong to instances that stopped and
 * are left out. Calls never touch the database: a budget decides from the last view it received. When the
 * database cannot be reached (or answers slower than {@code staleAfter}), each budget falls back to its
 * local counts once its view is stale, i.e. each instance keeps the budget alone with the full floor, and
 * rejoins the cluster at the next sync that succeeds; the first failure of a streak is logged once.
 *
 * <p>Between two syncs an instance spends only what it reserved (an even share of what the cluster had
 * left, which the others count as spent) plus the ratio of its own new calls, so the instances cannot
 * each spend what is left. The bound is met up to rounding and the few calls an instance makes between
 * reading the others' rows and writing its own.
 */
public final class JdbcRetryBudgetStore implements BudgetStore {

    private static final System.Logger LOG = System.getLogger(JdbcRetryBudgetStore.class.getName());
    /** Rows of instances gone this long are deleted, now and then. */
    private static final Duration FORGET_AFTER = Duration.ofHours(1);
    private static final int SYNCS_BETWEEN_CLEANUPS = 200;

    private final DataSource dataSource;
    private final String table;
    private final Duration syncInterval;
    private final Duration staleAfter;
    private final List<Participant> participants = new CopyOnWriteArrayList<>();
    private final SyncLoop loop;
    private int syncsSinceCleanup;

    private JdbcRetryBudgetStore(Builder builder) {
        this.dataSource = builder.dataSource;
        this.table = builder.table;
        this.syncInterval = builder.syncInterval;
        this.staleAfter = builder.staleAfter != null ? builder.staleAfter : syncInterval.multipliedBy(10);
        this.loop = new SyncLoop("endure-budget-sync[" + table + "]", syncInterval, this::syncNow, LOG,
                "cannot sync retry budgets through " + table + " (every " + syncInterval + "); after " + staleAfter
                        + " each budget decides from this instance's counts alone",
                "retry budget table " + table + " answers again; budgets are shared again");
    }

    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    public Duration syncInterval() {
        return syncInterval;
    }

    @Override
    public Duration staleAfter() {
        return staleAfter;
    }

    /** The table's DDL, for a migration tool. */
    public String tableDdl() {
        return "CREATE TABLE IF NOT EXISTS " + table + " ("
                + "name VARCHAR(200) NOT NULL, "
                + "instance VARCHAR(64) NOT NULL, "
                + "deposits BIGINT NOT NULL, "
                + "withdrawals BIGINT NOT NULL, "
                + "reserved BIGINT NOT NULL, "
                + "updated_at TIMESTAMP WITH TIME ZONE NOT NULL, "
                + "PRIMARY KEY (name, instance))";
    }

    /** Creates the table unless it exists. */
    public JdbcRetryBudgetStore createTableIfMissing() {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(tableDdl());
            return this;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create retry budget table " + table + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Cancellable share(String name, Supplier<Counts> local, ToLongFunction<Sync> onSync) {
        Participant participant = new Participant(Objects.requireNonNull(name, "name"), UUID.randomUUID().toString(),
                Objects.requireNonNull(local, "local"), Objects.requireNonNull(onSync, "onSync"));
        participants.add(participant);
        loop.start();
        return () -> participants.remove(participant);
    }

    /**
     * Reads the other instances' rows, hands each shared budget its view and writes its counts with what it
     * reserved. The background thread calls this every sync interval; call it yourself to sync now.
     *
     * @throws IllegalStateException if the database cannot be reached or the table read
     */
    public void syncNow() {
        if (participants.isEmpty()) {
            return;
        }
        Map<String, List<Row>> rowsByName = new HashMap<>();
        try (Connection connection = dataSource.getConnection()) {
            OffsetDateTime now = null;
            try (PreparedStatement select = connection.prepareStatement("SELECT name, instance, deposits, withdrawals, reserved,"
                    + " updated_at, CURRENT_TIMESTAMP AS db_now FROM " + table);
                    ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    now = rows.getObject("db_now", OffsetDateTime.class);
                    OffsetDateTime written = rows.getObject("updated_at", OffsetDateTime.class);
                    if (Duration.between(written, now).compareTo(staleAfter) <= 0) {
                        rowsByName.computeIfAbsent(rows.getString("name"), key -> new ArrayList<>()).add(new Row(rows.getString("instance"),
                                new Counts(rows.getLong("deposits"), rows.getLong("withdrawals"), rows.getLong("reserved"))));
                    }
                }
            }
            for (Participant participant : participants) {
                Counts others = Counts.NONE;
                int instances = 0;
                for (Row row : rowsByName.getOrDefault(participant.name(), List.of())) {
                    if (!row.instance().equals(participant.instance())) {
                        others = others.plus(row.counts());
                        instances++;
                    }
                }
                Counts counts = participant.local().get();
                long reserved = participant.onSync().applyAsLong(new Sync(counts, others, instances));
                publish(connection, participant, new Counts(counts.deposits(), counts.withdrawals(), reserved));
            }
            if (now != null && ++syncsSinceCleanup >= SYNCS_BETWEEN_CLEANUPS) {
                syncsSinceCleanup = 0;
                forgetGoneInstances(connection, now.minus(FORGET_AFTER));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot sync retry budgets through " + table + ": " + e.getMessage(), e);
        }
    }

    /** Update-or-insert: only this instance writes its row, so the two statements cannot race another writer. */
    private void publish(Connection connection, Participant participant, Counts counts) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE " + table
                + " SET deposits = ?, withdrawals = ?, reserved = ?, updated_at = CURRENT_TIMESTAMP WHERE name = ? AND instance = ?")) {
            update.setLong(1, counts.deposits());
            update.setLong(2, counts.withdrawals());
            update.setLong(3, counts.reserved());
            update.setString(4, participant.name());
            update.setString(5, participant.instance());
            if (update.executeUpdate() > 0) {
                return;
            }
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table
                + " (name, instance, deposits, withdrawals, reserved, updated_at) VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP)")) {
            insert.setString(1, participant.name());
            insert.setString(2, participant.instance());
            insert.setLong(3, counts.deposits());
            insert.setLong(4, counts.withdrawals());
            insert.setLong(5, counts.reserved());
            insert.executeUpdate();
        }
    }

    private void forgetGoneInstances(Connection connection, OffsetDateTime before) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE updated_at < ?")) {
            delete.setObject(1, before);
            delete.executeUpdate();
        }
    }

    /** Stops syncing. Budgets fall back to their local counts once their view is stale. */
    @Override
    public void close() {
        loop.close();
    }

    @Override
    public String toString() {
        return "JdbcRetryBudgetStore[" + table + ", sync every " + syncInterval + ", stale after " + staleAfter + "]";
    }

    private record Participant(String name, String instance, Supplier<Counts> local, ToLongFunction<Sync> onSync) {}

    private record Row(String instance, Counts counts) {}

    /** Builds a {@link JdbcRetryBudgetStore}. */
    public static final class Builder {
        private final DataSource dataSource;
        private String table = "endure_retry_budget";
        private Duration syncInterval = Duration.ofMillis(500);
        private Duration staleAfter;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** The table, optionally schema-qualified (default {@code endure_retry_budget}). */
        public Builder table(String table) {
            this.table = table;
            return this;
        }

        /** How often this JVM's counts are written and the others' read (default 500 ms). */
        public Builder syncInterval(Duration syncInterval) {
            this.syncInterval = syncInterval;
            return this;
        }

        /**
         * How long a budget trusts the last view before deciding alone, and how long an instance's row
         * counts after it was last written (default ten sync intervals; at least one). Longer rides out a slow
         * database on the last view (whose share is conservative); shorter falls back to local counts sooner.
         */
        public Builder staleAfter(Duration staleAfter) {
            this.staleAfter = staleAfter;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the setting that is wrong
         */
        public JdbcRetryBudgetStore build() {
            SqlNames.checkTable(table);
            SyncLoop.checkInterval(syncInterval);
            if (staleAfter != null && staleAfter.compareTo(syncInterval) < 0) {
                throw new IllegalArgumentException("staleAfter must be at least the syncInterval of " + syncInterval
                        + " (was " + staleAfter + ")");
            }
            return new JdbcRetryBudgetStore(this);
        }
    }
}
