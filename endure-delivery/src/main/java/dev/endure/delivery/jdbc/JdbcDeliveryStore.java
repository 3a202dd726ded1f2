package dev.endure.delivery.jdbc;

import dev.endure.delivery.Attempt;
import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.Delivery;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.spi.DeliveryStore;
import dev.endure.delivery.Endpoint;
import dev.endure.delivery.EndpointAttemptStats;
import dev.endure.delivery.EnqueueResult;
import dev.endure.delivery.FanOutResult;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.spi.Transition;
import dev.endure.delivery.crypto.SecretCipher;
import dev.endure.delivery.retention.MessageRetention;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The {@link DeliveryStore} on PostgreSQL or H2, schema by Flyway ({@code dev/endure/delivery/migration}, and per database
 * {@code dev/endure/delivery/vendor/postgresql} or {@code h2}).
 * Every method is one short transaction; claiming uses {@code FOR UPDATE SKIP LOCKED} so workers on
 * several nodes take disjoint batches without waiting for each other.
 *
 * <pre>{@code
 * JdbcDeliveryStore store = JdbcDeliveryStore.embedded(Path.of("endure-data/delivery"));      // H2 file
 * JdbcDeliveryStore shared = JdbcDeliveryStore.pooled("jdbc:postgresql://db/app", "app", pw, 10);
 * }</pre>
 */
public final class JdbcDeliveryStore implements DeliveryStore, AutoCloseable {

    private static final String UNIQUE_VIOLATION = "23505"; // PostgreSQL and H2 alike

    private final DataSource dataSource;
    private final AutoCloseable owned;
    /** The row lock a send holds on its endpoints: shared where the database has one (see {@link EnqueueSql}). */
    private final String shareLock;
    private final ClaimSql claims;
    private final CompleteSql completions;
    private final SendGroups sends;
    private final JdbcOperatorWrites operatorWrites;
    private final SecretCipher cipher;
    private final JdbcEndpointRows endpointRows;
    private final JdbcDeliveryReads reads;
    /** Refreshes the busy tables' statistics where autovacuum does not (PostgreSQL). */
    private final StatisticsKeeper statistics;

    private JdbcDeliveryStore(DataSource dataSource, AutoCloseable owned, String shareLock, StatisticsKeeper statistics) {
        this(dataSource, owned, shareLock, null, statistics);
    }

    private JdbcDeliveryStore(DataSource dataSource, AutoCloseable owned, String shareLock, SecretCipher cipher, StatisticsKeeper statistics) {
        this.dataSource = dataSource;
        this.statistics = statistics;
        this.owned = owned;
        this.shareLock = shareLock;
        boolean postgres = shareLock.equals("FOR SHARE");
        this.claims = new ClaimSql(postgres);
        // PostgreSQL records a group in one statement (atomic on its own, so no BEGIN/COMMIT round trips).
        this.completions = new CompleteSql(postgres ? items -> read(connection -> CompleteSql.writeOne(connection, items))
                : items -> transaction(connection -> CompleteSql.write(connection, items)));
        this.cipher = cipher;
        this.operatorWrites = new JdbcOperatorWrites(dataSource);
        this.endpointRows = new JdbcEndpointRows(dataSource, cipher);
        this.reads = new JdbcDeliveryReads(dataSource);
        this.sends = new SendGroups(this::transaction, postgres);
    }

    /**
     * This store with signing secrets encrypted at rest under {@code cipher} (null: in clear). The returned
     * store takes over closing the pool; use it instead of this one. Rows written in clear or under an older
     * key still read; {@link #resealSecrets()} rewrites them under the current key.
     */
    public JdbcDeliveryStore sealingSecrets(SecretCipher cipher) {
        return new JdbcDeliveryStore(dataSource, owned, shareLock, cipher, statistics);
    }

    /** Re-encrypts every endpoint's signing keys not yet sealed under the current key (after a key rotation); returns how many. */
    public int resealSecrets() {
        if (cipher == null) {
            throw new IllegalStateException("no encryption key configured; nothing to re-encrypt with");
        }
        return transaction(connection -> SecretResealer.reseal(connection, cipher));
    }

    @Override
    public boolean deleteEndpoint(String id, Instant now) {
        return operatorWrites.deleteEndpoint(id, now);
    }

    @Override
    public int releaseLeases(String owner, Instant now) {
        return operatorWrites.releaseLeases(owner, now);
    }

    @Override
    public int holdPendingOfDisabledEndpoints() {
        return operatorWrites.holdPendingOfDisabledEndpoints();
    }

    @Override
    public boolean expungePayload(String messageId, Instant now) {
        return MessageRetention.expungePayload(dataSource, messageId, now);
    }

    /** A store on {@code dataSource}, migrated to the latest schema. The caller keeps owning the pool. */
    public static JdbcDeliveryStore migrate(DataSource dataSource) {
        return migrate(dataSource, null);
    }

    /**
     * @param keepStatistics whether the store analyzes its busy tables itself ({@link StatisticsKeeper}); null: where
     *     autovacuum does not visit them (PostgreSQL). Tests set it to see each half of the remedy on its own.
     */
    static JdbcDeliveryStore migrate(DataSource dataSource, Boolean keepStatistics) {
        String product;
        try (Connection connection = dataSource.getConnection()) {
            product = connection.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT);
        } catch (SQLException e) {
            throw new JdbcStoreException("delivery store: cannot read the database's name: " + e.getMessage(), e);
        }
        boolean postgres = product.contains("postgres");
        Flyway.configure()
                .dataSource(dataSource)
                // The common schema, then the database's own versions (PostgreSQL's partial indexes).
                .locations("classpath:dev/endure/delivery/migration", "classpath:dev/endure/delivery/vendor/" + (postgres ? "postgresql" : "h2"))
                .table("endure_delivery_schema_history")
                .load()
                .migrate();
        StatisticsKeeper statistics = StatisticsKeeper.NONE;
        if (postgres) {
            try (Connection connection = dataSource.getConnection()) {
                List<String> skipped = warnIfNotVacuumed(connection);
                if (keepStatistics == null ? !skipped.isEmpty() : keepStatistics) {
                    statistics = new StatisticsKeeper(dataSource, keepStatistics == null ? skipped : CHURNING_TABLES);
                }
            } catch (SQLException e) {
                LOG.log(System.Logger.Level.DEBUG, "cannot read the autovacuum settings: " + e.getMessage());
            }
        }
        return new JdbcDeliveryStore(dataSource, null, postgres ? "FOR SHARE" : "FOR UPDATE", statistics);
    }

    private static final System.Logger LOG = System.getLogger(JdbcDeliveryStore.class.getName());

    /** The busy tables: every delivery writes new row versions into them (and retention deletes from them). */
    private static final List<String> CHURNING_TABLES = List.of("endure_delivery", "endure_message", "endure_attempt");

    /**
     * PostgreSQL: the store's busy tables that autovacuum does not visit, because it is off on the server or on the table.
     * Their dead row versions are then never reclaimed (claims read ever more index entries), and their statistics never
     * refreshed: a statement the driver prepared on the server keeps the plan it was given while the table was small.
     */
    static List<String> tablesAutovacuumSkips(Connection connection) throws SQLException {
        List<String> skipped = new java.util.ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT c.relname FROM pg_class c WHERE c.relname = ANY(?::varchar[])"
                + " AND c.relnamespace = current_schema()::regnamespace AND (NOT current_setting('autovacuum')::boolean OR EXISTS"
                + " (SELECT 1 FROM unnest(c.reloptions) o WHERE lower(o) IN ('autovacuum_enabled=false', 'autovacuum_enabled=off',"
                + " 'autovacuum_enabled=0', 'autovacuum_enabled=no'))) ORDER BY c.relname")) {
            select.setArray(1, connection.createArrayOf("varchar", CHURNING_TABLES.toArray()));
            try (java.sql.ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    skipped.add(rows.getString(1));
                }
            }
        }
        return skipped;
    }

    /** Warns about, and returns, the busy tables autovacuum does not visit (empty if it cannot tell). */
    private static List<String> warnIfNotVacuumed(Connection connection) {
        try {
            List<String> skipped = tablesAutovacuumSkips(connection);
            if (!skipped.isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "autovacuum does not visit " + String.join(", ", skipped) + " (it is off on the server"
                        + " or on the table): their dead rows are never reclaimed, so claims read more and more index entries as"
                        + " deliveries pile up. The store runs ANALYZE on them itself to keep their plans right; turn autovacuum on,"
                        + " or run VACUUM on these tables regularly.");
            }
            return skipped;
        } catch (SQLException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot read the autovacuum settings: " + e.getMessage());
            return List.of();
        }
    }

    /** The statistics keeper (for tests). */
    StatisticsKeeper statistics() {
        return statistics;
    }

    /** An embedded H2 database in {@code directory}, pooled by HikariCP: for demos and tests, since H2 does not flush at commit (endure-server embeds a PostgreSQL instead). */
    public static JdbcDeliveryStore embedded(Path directory) {
        return pooled("jdbc:h2:file:" + directory.toAbsolutePath().resolve("delivery") + ";DB_CLOSE_ON_EXIT=FALSE", "sa", "", 8);
    }

    /**
     * A HikariCP pool on {@code jdbcUrl} (PostgreSQL for several nodes), migrated; closed by {@link #close()}.
     * Needs HikariCP and the URL's JDBC driver on the class path (endure-delivery does not bring them).
     */
    public static JdbcDeliveryStore pooled(String jdbcUrl, String user, String password, int poolSize) {
        try {
            Class.forName("com.zaxxer.hikari.HikariDataSource", false, JdbcDeliveryStore.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("JdbcDeliveryStore.pooled and embedded need HikariCP (com.zaxxer:HikariCP) on the class path;"
                    + " add it, or pass your own DataSource to JdbcDeliveryStore.migrate", e);
        }
        DataSource pool = HikariPools.open(jdbcUrl, user, password, poolSize);
        try {
            JdbcDeliveryStore store = migrate(pool);
            return new JdbcDeliveryStore(store.dataSource, (AutoCloseable) pool, store.shareLock, store.statistics);
        } catch (RuntimeException e) {
            HikariPools.closeQuietly(pool);
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        if (owned != null) {
            owned.close();
        }
    }

    // ---- endpoints -------------------------------------------------------------------------------

    @Override
    public void createEndpoint(Endpoint endpoint, Instant now) {
        endpointRows.create(endpoint, now);
    }

    /** The endpoint insert, inside a caller's transaction (creating an endpoint with its subscription is one). */
    void insertEndpoint(Connection connection, Endpoint endpoint, Instant now) throws SQLException {
        endpointRows.insert(connection, endpoint, now);
    }

    /** The event-type catalogue and subscriptions on this store's database (see {@link JdbcEventTypes}). */
    public dev.endure.delivery.spi.EventTypeStore eventTypes() {
        return new JdbcEventTypes(dataSource, this);
    }

    @Override
    public void updateEndpoint(Endpoint endpoint) {
        endpointRows.update(endpoint);
    }

    @Override
    public Optional<Endpoint> endpoint(String id) {
        return endpointRows.one(id);
    }

    @Override
    public List<Endpoint> endpoints() {
        return endpointRows.all();
    }

    private boolean postgres() {
        return shareLock.equals("FOR SHARE");
    }

    /** PostgreSQL: waits for the sends to the endpoint under way and holds off new ones until commit (see {@link EnqueueSql}). */
    private void lockEndpoint(Connection connection, String id) throws SQLException {
        if (postgres()) {
            try (PreparedStatement lock = connection.prepareStatement(EnqueueSql.EXCLUSIVE_LOCK)) {
                lock.setString(1, id);
                lock.executeQuery().close();
            }
        }
    }

    @Override
    public boolean disableEndpoint(String id, String reason, Instant now) {
        return transaction(connection -> {
            lockEndpoint(connection, id);
            int changed = update(connection, "UPDATE endure_endpoint SET enabled = FALSE, disabled_reason = ?, disabled_at = ?"
                    + " WHERE id = ? AND enabled = TRUE", truncate(reason, 1000), now.toEpochMilli(), id);
            if (changed == 0) {
                return false;
            }
            update(connection, "UPDATE endure_delivery SET state = 'HELD' WHERE endpoint_id = ? AND state = 'PENDING'", id);
            return true;
        });
    }

    @Override
    public int enableEndpoint(String id, Instant now) {
        return transaction(connection -> {
            lockEndpoint(connection, id);
            int changed = update(connection, "UPDATE endure_endpoint SET enabled = TRUE, disabled_reason = NULL, disabled_at = NULL"
                    + " WHERE id = ? AND enabled = FALSE", id);
            if (changed == 0) {
                return -1;
            }
            // A fresh cycle: the time spent disabled must not count against the maximum duration.
            return update(connection, "UPDATE endure_delivery SET state = 'PENDING', next_attempt_at = ?, attempts = 0,"
                    + " window_start = NULL WHERE endpoint_id = ? AND state = 'HELD'", now.toEpochMilli(), id);
        });
    }

    // ---- messages and deliveries -----------------------------------------------------------------

    @Override
    public List<EnqueueResult> enqueue(NewMessage message, List<String> endpointIds, Instant now) {
        Objects.requireNonNull(message, "message");
        if (endpointIds.isEmpty()) {
            throw new IllegalArgumentException("message " + message.id() + " needs at least one endpoint");
        }
        List<EnqueueResult> sent = sends.submit(new SendGroups.Send(message, List.copyOf(endpointIds), now)).deliveries();
        statistics.changed(sent.size());
        return sent;
    }

    /** Group-committed with the other single sends (see {@link SendGroups}). */
    @Override
    public List<EnqueueResult> enqueueChecked(NewMessage message, List<String> endpointIds, Instant now) {
        Objects.requireNonNull(message, "message");
        if (endpointIds.isEmpty()) {
            throw new IllegalArgumentException("message " + message.id() + " needs at least one endpoint");
        }
        List<EnqueueResult> sent = sends.submit(new SendGroups.Send(message, List.copyOf(endpointIds), now, true)).deliveries();
        statistics.changed(sent.size());
        return sent;
    }

    @Override
    public boolean hasEndpoints() {
        return transaction(connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM endure_endpoint FETCH FIRST 1 ROWS ONLY");
                    java.sql.ResultSet row = select.executeQuery()) {
                return row.next();
            }
        });
    }

    /** Group-committed with the other single sends (see {@link SendGroups}). */
    @Override
    public FanOutResult enqueueToSubscribers(NewMessage message, Instant now) {
        Objects.requireNonNull(message, "message");
        FanOutResult sent = sends.submit(new SendGroups.Send(message, null, now));
        statistics.changed(sent.deliveries().size());
        return sent;
    }

    /** One transaction for the whole batch; a key repeated within the batch is a duplicate of its first use. */
    @Override
    public List<List<EnqueueResult>> enqueueAll(List<NewMessage> messages, List<String> endpointIds, Instant now) {
        if (messages.isEmpty()) {
            return List.of();
        }
        if (endpointIds.isEmpty()) {
            throw new IllegalArgumentException("message " + messages.get(0).id() + " needs at least one endpoint");
        }
        List<List<EnqueueResult>> sent = SendGroups.retryingKeyRace(() -> transaction(connection -> EnqueueSql.enqueue(connection, messages,
                endpointIds, now.toEpochMilli(), postgres())));
        statistics.changed(sent.stream().mapToInt(List::size).sum());
        return sent;
    }

    @Override
    public List<Claim> claim(String owner, int limit, Duration lease, Instant now, ClaimAdmission admission) {
        if (limit <= 0) {
            return List.of();
        }
        List<Claim> claimed = transaction(connection -> claims.claim(connection, owner, limit, lease, now, admission));
        statistics.changed(claimed.size());
        return claimed;
    }

    /**
     * Records the result with group commit (see {@link CompleteSql}): concurrent callers share one
     * transaction, each still told its own outcome.
     */
    @Override
    public void complete(Claim claim, Attempt attempt, Transition transition) {
        completions.complete(new CompleteSql.Item(claim, attempt, transition));
        statistics.changed(2); // the delivery's new version and the attempt row
    }

    @Override
    public boolean release(Claim claim, Instant nextAttemptAt) {
        return transaction(connection -> update(connection, "UPDATE endure_delivery SET state = CASE WHEN EXISTS (SELECT 1"
                + " FROM endure_endpoint e WHERE e.id = endpoint_id AND e.enabled = FALSE) THEN 'HELD' ELSE 'PENDING' END,"
                + " lease_owner = NULL, lease_until = NULL, next_attempt_at = ? WHERE id = ? AND fencing_token = ? AND state = 'IN_FLIGHT'",
                nextAttemptAt.toEpochMilli(), claim.deliveryId(), claim.fencingToken()) == 1);
    }

    @Override
    public int renewLeases(java.util.Collection<Claim> claims, Instant leaseUntil) {
        if (claims.isEmpty()) {
            return 0;
        }
        return transaction(connection -> {
            int held = 0;
            try (PreparedStatement renew = connection.prepareStatement("UPDATE endure_delivery SET lease_until = ?"
                    + " WHERE id = ? AND fencing_token = ? AND state = 'IN_FLIGHT'")) {
                List<Claim> inIdOrder = new ArrayList<>(claims);
                inIdOrder.sort(CompleteSql.LOCK_ORDER); // the order a result locks them in: two orders deadlocked
                for (Claim claim : inIdOrder) {
                    renew.setLong(1, leaseUntil.toEpochMilli());
                    renew.setString(2, claim.deliveryId());
                    renew.setLong(3, claim.fencingToken());
                    renew.addBatch();
                }
                for (int count : renew.executeBatch()) {
                    held += count > 0 || count == java.sql.Statement.SUCCESS_NO_INFO ? 1 : 0;
                }
            }
            return held;
        });
    }

    @Override
    public boolean replay(String deliveryId, Instant now) {
        return transaction(connection -> update(connection, replaySql("id = ?"), now.toEpochMilli(), deliveryId) == 1);
    }

    @Override
    public int replayFailed(String endpointId, Instant since, Instant now) {
        return transaction(connection -> update(connection, replaySql("endpoint_id = ? AND finished_at >= ?"),
                now.toEpochMilli(), endpointId, since.toEpochMilli()));
    }

    private static String replaySql(String where) {
        return "UPDATE endure_delivery SET state = CASE WHEN EXISTS (SELECT 1 FROM endure_endpoint e WHERE e.id = endpoint_id"
                + " AND e.enabled = FALSE) THEN 'HELD' ELSE 'PENDING' END, attempts = 0, window_start = NULL, next_attempt_at = ?,"
                + " finished_at = NULL, terminal_reason = NULL WHERE state = 'FAILED' AND " + where;
    }

    // ---- queries ---------------------------------------------------------------------------------

    @Override
    public Optional<Delivery> delivery(String id) {
        return reads.delivery(id);
    }

    @Override
    public List<Delivery> deliveriesOfMessage(String messageId) {
        return reads.deliveriesOfMessage(messageId);
    }

    @Override
    public List<Attempt> attempts(String deliveryId) {
        return reads.attempts(deliveryId);
    }

    @Override
    public Map<DeliveryState, Long> countsByState() {
        return reads.countsByState();
    }

    /** One statement without a transaction of its own (a failed attempt asks for this, so it stays cheap). */
    @Override
    public EndpointAttemptStats endpointStats(String endpointId, Instant since) {
        return reads.endpointStats(endpointId, since);
    }

    // ---- JDBC plumbing ---------------------------------------------------------------------------

    private <T> T transaction(JdbcTransactions.Work<T> work) {
        return JdbcTransactions.inTransaction(dataSource, work);
    }

    private <T> T read(JdbcTransactions.Work<T> work) {
        return JdbcTransactions.autoCommit(dataSource, work);
    }

    private static int update(Connection connection, String sql, Object... parameters) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                Object parameter = parameters[i];
                if (parameter == null) {
                    // Types.NULL lets PostgreSQL take the type from the column rather than insisting on varchar.
                    statement.setNull(i + 1, java.sql.Types.NULL);
                } else {
                    statement.setObject(i + 1, parameter);
                }
            }
            return statement.executeUpdate();
        }
    }

    static String truncate(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }

    static boolean isUniqueViolation(SQLException e) {
        for (SQLException current = e; current != null; current = current.getNextException()) {
            if (UNIQUE_VIOLATION.equals(current.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
