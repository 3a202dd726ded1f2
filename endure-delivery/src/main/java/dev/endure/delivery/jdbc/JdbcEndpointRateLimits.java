package dev.endure.delivery.jdbc;

import dev.endure.Clock;
import dev.endure.delivery.spi.EndpointRateLimits;
import dev.endure.delivery.internal.LocalRateLimits;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * Endpoint rate limits that hold for every worker on one database: a token bucket row per endpoint
 * ({@code endure_rate_bucket}, migration V6) from which each worker leases small slices of tokens.
 *
 * <pre>{@code
 * DeliveryWorker worker = DeliveryWorker.builder(store)
 *     .rateLimits(JdbcEndpointRateLimits.create(dataSource, "node-1", Clock.system())).build();
 * }</pre>
 *
 * <p><b>How.</b> When a worker's claim admits a delivery to a rate-limited endpoint and the worker holds no token of
 * that endpoint, it leases a slice: one {@code UPDATE ... RETURNING} (PostgreSQL; a short transaction elsewhere) that
 * refills the bucket for the time since its last refill (at the endpoint's current rate, up to a capacity of
 * {@value #BURST_MILLIS} ms of the rate, at least one token) and takes up to {@value #SLICE_MILLIS} ms worth of tokens
 * (at least one). The row lock serialises the nodes, so the cluster never takes more than the capacity plus the rate
 * times the time. Leased tokens unspent after {@value #TOKEN_TTL_MILLIS} ms are dropped, never handed back: tokens are
 * taken no faster than the rate and spent at most {@value #TOKEN_TTL_MILLIS} ms later, so a receiver sees at most
 * {@code rate × 1.1 s + capacity} requests in any second, i.e. about 1.3 × the rate plus one. An empty bucket is
 * asked again only after one token's interval (at most 1 s). Cost: one statement per slice per endpoint with demand:
 * at 10 requests a second, one per token; at 1,000 a second, one per 100 tokens.
 *
 * <p><b>When the store is slow or unreachable.</b> A lease that fails (or takes longer than
 * {@value #QUERY_TIMEOUT_SECONDS} s, the statement's timeout) switches this worker to its local share for
 * {@value #OUTAGE_MILLIS} ms: a node-local limiter at {@code rate / N}, where N is the number of workers that leased
 * tokens in the last {@value #NODE_TTL_MILLIS} ms (this worker's last count, 1 if it never counted). Delivery never
 * waits for the bucket beyond that timeout, and the cluster stays near its rate while the nodes count right (a node
 * that joined during the outage is not in the others' N). Clocks: the bucket is refilled by the leasing node's wall
 * clock, and {@code refilled_at} only moves forward, so a node whose clock runs behind gets no refill until it catches
 * up: skew can only lower the rate, never raise it.
 */
public final class JdbcEndpointRateLimits implements EndpointRateLimits {

    private static final System.Logger LOG = System.getLogger(JdbcEndpointRateLimits.class.getName());

    /** A lease takes this much of the rate. */
    static final long SLICE_MILLIS = 50;
    /** The bucket holds at most this much of the rate (at least one token). */
    static final long BURST_MILLIS = 200;
    /** Leased tokens unspent for this long are dropped. */
    static final long TOKEN_TTL_MILLIS = 100;
    /** After a failed lease, this worker uses its local share for this long before asking the store again. */
    static final long OUTAGE_MILLIS = 1000;
    /** A worker counts as live for the local share while it leased tokens this recently. */
    static final long NODE_TTL_MILLIS = 10_000;
    static final int QUERY_TIMEOUT_SECONDS = 1;
    private static final long NODE_SYNC_MILLIS = 2000;

    private final DataSource dataSource;
    private final String node;
    private final Clock clock;
    private final LocalRateLimits fallback;
    private final Map<String, Slice> slices = new ConcurrentHashMap<>();
    private volatile Boolean postgres;
    private volatile long storeUnusableUntil;
    private volatile boolean failing;
    private volatile int liveNodes = 1;
    private volatile long nextNodeSync = Long.MIN_VALUE;

    private JdbcEndpointRateLimits(DataSource dataSource, String node, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.node = Objects.requireNonNull(node, "node");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.fallback = new LocalRateLimits(clock);
        this.storeUnusableUntil = clock.nanoTime();
    }

    /** Shared limits on the delivery store's database (migrated by {@link JdbcDeliveryStore#migrate}); {@code node} names this worker. */
    public static JdbcEndpointRateLimits create(DataSource dataSource, String node, Clock clock) {
        return new JdbcEndpointRateLimits(dataSource, node, clock);
    }

    @Override
    public boolean tryAcquire(String endpointId, double perSecond) {
        long now = clock.nanoTime();
        Slice slice = slices.computeIfAbsent(endpointId, id -> new Slice(now));
        slice.lock.lock();
        try {
            if (slice.tokens > 0 && now - slice.expiresAt < 0) {
                slice.tokens--;
                return true;
            }
            if (now - storeUnusableUntil < 0) {
                return fallback.tryAcquire(endpointId, perSecond / liveNodes);
            }
            if (now - slice.nextAsk < 0) {
                return false;
            }
            int want = (int) Math.max(1, Math.round(perSecond * SLICE_MILLIS / 1000.0));
            int granted;
            try {
                granted = lease(endpointId, perSecond, want);
                countNodesIfDue();
                if (failing) {
                    failing = false;
                    LOG.log(System.Logger.Level.INFO, "rate buckets answer again; endpoint rates are shared by the cluster again");
                }
            } catch (SQLException | RuntimeException unreachable) {
                storeUnusableUntil = now + Duration.ofMillis(OUTAGE_MILLIS).toNanos();
                if (!failing) {
                    failing = true;
                    LOG.log(System.Logger.Level.WARNING, "cannot lease rate tokens from endure_rate_bucket (" + unreachable.getMessage()
                            + "); each endpoint's rate is split evenly over " + liveNodes + " worker(s) on each node until it answers");
                }
                return fallback.tryAcquire(endpointId, perSecond / liveNodes);
            }
            if (granted <= 0) {
                slice.nextAsk = now + Math.min(1_000_000_000L, Math.max(10_000_000L, (long) (1e9 / perSecond)));
                return false;
            }
            slice.tokens = granted - 1;
            slice.expiresAt = now + Duration.ofMillis(TOKEN_TTL_MILLIS).toNanos();
            return true;
        } finally {
            slice.lock.unlock();
        }
    }

    /** How many workers this one counted as live at its last count (its divisor while the store is unreachable). */
    public int liveNodes() {
        return liveNodes;
    }

    /** Whether the last lease failed (this worker is on its local share). */
    public boolean failing() {
        return failing;
    }

    private int lease(String endpointId, double perSecond, int want) throws SQLException {
        long nowMillis = clock.instant().toEpochMilli();
        double capacity = Math.max(1.0, perSecond * BURST_MILLIS / 1000.0);
        try (Connection connection = dataSource.getConnection()) {
            boolean pg = isPostgres(connection);
            Integer granted = take(connection, pg, endpointId, perSecond, capacity, want, nowMillis);
            if (granted == null) {
                try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO endure_rate_bucket (endpoint_id, tokens, refilled_at, granted) VALUES (?, ?, ?, 0)")) {
                    insert.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                    insert.setString(1, endpointId);
                    insert.setDouble(2, capacity);
                    insert.setLong(3, nowMillis);
                    insert.executeUpdate();
                } catch (SQLException raced) {
                    if (raced.getSQLState() == null || !raced.getSQLState().startsWith("23")) {
                        throw raced;
                    }
                    // Another node made the row first: take from it.
                }
                granted = take(connection, pg, endpointId, perSecond, capacity, want, nowMillis);
            }
            return granted == null ? 0 : granted;
        }
    }

    /** One refill-and-take on the endpoint's row; null if there is no row yet. */
    private static Integer take(Connection connection, boolean pg, String endpointId, double perSecond, double capacity, int want,
            long nowMillis) throws SQLException {
        String available = "LEAST(?, tokens + GREATEST(0, ? - refilled_at) * ? / 1000.0)";
        String grant = "CAST(LEAST(?, FLOOR(" + available + ")) AS INTEGER)";
        String sql = "UPDATE endure_rate_bucket SET tokens = " + available + " - " + grant + ", granted = " + grant
                + ", refilled_at = GREATEST(refilled_at, ?) WHERE endpoint_id = ?" + (pg ? " RETURNING granted" : "");
        boolean autoCommit = connection.getAutoCommit();
        if (!pg && autoCommit) {
            connection.setAutoCommit(false);
        }
        try (PreparedStatement update = connection.prepareStatement(sql)) {
            update.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            int i = 1;
            i = bindAvailable(update, i, capacity, nowMillis, perSecond);
            update.setInt(i++, want);
            i = bindAvailable(update, i, capacity, nowMillis, perSecond);
            update.setInt(i++, want);
            i = bindAvailable(update, i, capacity, nowMillis, perSecond);
            update.setLong(i++, nowMillis);
            update.setString(i, endpointId);
            if (pg) {
                Integer granted;
                try (ResultSet row = update.executeQuery()) {
                    granted = row.next() ? row.getInt(1) : null;
                }
                if (!autoCommit) {
                    connection.commit();
                }
                return granted;
            }
            if (update.executeUpdate() == 0) {
                connection.commit();
                return null;
            }
            try (PreparedStatement select = connection.prepareStatement("SELECT granted FROM endure_rate_bucket WHERE endpoint_id = ?")) {
                select.setString(1, endpointId);
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    int granted = row.getInt(1);
                    connection.commit();
                    return granted;
                }
            }
        } catch (SQLException | RuntimeException e) {
            if (!pg) {
                connection.rollback();
            }
            throw e;
        } finally {
            if (!pg && autoCommit) {
                connection.setAutoCommit(true);
            }
        }
    }

    private static int bindAvailable(PreparedStatement statement, int index, double capacity, long nowMillis, double perSecond)
            throws SQLException {
        statement.setDouble(index, capacity);
        statement.setLong(index + 1, nowMillis);
        statement.setDouble(index + 2, perSecond);
        return index + 3;
    }

    /** Every few seconds: marks this worker live and counts the live ones (the divisor of the local share). */
    private void countNodesIfDue() throws SQLException {
        long nowMillis = clock.instant().toEpochMilli();
        if (nowMillis < nextNodeSync) {
            return;
        }
        nextNodeSync = nowMillis + NODE_SYNC_MILLIS;
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement update = connection.prepareStatement("UPDATE endure_rate_node SET seen_at = ? WHERE node = ?")) {
                update.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                update.setLong(1, nowMillis);
                update.setString(2, node);
                if (update.executeUpdate() == 0) {
                    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO endure_rate_node (node, seen_at) VALUES (?, ?)")) {
                        insert.setString(1, node);
                        insert.setLong(2, nowMillis);
                        insert.executeUpdate();
                    }
                }
            }
            try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM endure_rate_node WHERE seen_at >= ?")) {
                count.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                count.setLong(1, nowMillis - NODE_TTL_MILLIS);
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    liveNodes = Math.max(1, rows.getInt(1));
                }
            }
        }
    }

    private boolean isPostgres(Connection connection) throws SQLException {
        Boolean known = postgres;
        if (known == null) {
            known = connection.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("postgres");
            postgres = known;
        }
        return known;
    }

    @Override
    public String toString() {
        return "JdbcEndpointRateLimits[" + node + ", " + liveNodes + " live node(s)" + (failing ? ", on its local share" : "") + "]";
    }

    /** The tokens this worker leased for one endpoint and not yet spent. */
    private static final class Slice {
        final ReentrantLock lock = new ReentrantLock();
        int tokens;
        long expiresAt;
        long nextAsk;

        Slice(long now) {
            this.expiresAt = now;
            this.nextAsk = now;
        }
    }
}
