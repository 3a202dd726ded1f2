package dev.endure.delivery.jdbc;

import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.spi.DeliveryStore.ClaimAdmission;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The claim transaction of {@link JdbcDeliveryStore}, in a fixed number of statements whatever the batch size:
 * <ol>
 *   <li>the few endpoints that need care (disabled, ordered, limited), usually none;</li>
 *   <li>due candidates, {@code FOR UPDATE SKIP LOCKED}: pending by due time, and expired leases when the batch
 *       has room or a second has passed since the last look. The
 *       ordered-mode {@code NOT EXISTS} is added only for ordered endpoints, so a store without any
 *       pays nothing for it (on H2 it used to cost a core per polling worker);</li>
 *   <li>in-flight counts of the candidates' endpoints whose admission uses them (an index range each);</li>
 *   <li>one {@code UPDATE ... WHERE id IN (...)} that leases the admitted rows and one read of them with their messages
 *       (on PostgreSQL one statement: the update's {@code RETURNING} joined to the messages).</li>
 * </ol>
 */
final class ClaimSql {

    /** Extra candidates read when some endpoint may refuse (rate or concurrency bound), so refusals do not starve the batch. */
    private static final int CANDIDATE_FACTOR = 4;
    /**
     * Expired leases are looked for at least this often even while pending deliveries fill every batch; in between,
     * only when a batch has room. An expired lease is thus reclaimed at most this much later than it expired.
     */
    private static final long EXPIRED_CHECK_MILLIS = 1000;

    private final boolean postgres;
    private final AtomicLong nextExpiredCheck = new AtomicLong(Long.MIN_VALUE);

    ClaimSql(boolean postgres) {
        this.postgres = postgres;
    }

    List<Claim> claim(Connection connection, String owner, int limit, Duration lease, Instant now, ClaimAdmission admission)
            throws SQLException {
        long nowMillis = now.toEpochMilli();
        long leaseUntil = now.plus(lease).toEpochMilli();
        Set<String> disabled = new HashSet<>();
        Set<String> ordered = new HashSet<>();
        boolean mayRefuse = false;
        try (PreparedStatement select = connection.prepareStatement("SELECT id, enabled, ordered_delivery, max_concurrency,"
                + " rate_limit_per_second FROM endure_endpoint WHERE enabled = FALSE OR ordered_delivery = TRUE OR max_concurrency > 0"
                + " OR rate_limit_per_second > 0");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                String id = rows.getString(1);
                if (!rows.getBoolean(2)) {
                    disabled.add(id);
                    continue;
                }
                if (rows.getBoolean(3)) {
                    ordered.add(id);
                }
                mayRefuse |= rows.getInt(4) > 0 || rows.getDouble(5) > 0;
            }
        }
        // The worker's admission may also refuse endpoints it does not know yet; read spare candidates only when refusals are likely.
        int wanted = mayRefuse ? limit * CANDIDATE_FACTOR : limit;
        List<String[]> candidates = new ArrayList<>();
        long dueCheck = nextExpiredCheck.get();
        boolean expiredFirst = nowMillis >= dueCheck || nowMillis < dueCheck - EXPIRED_CHECK_MILLIS; // due, or the clock went back
        if (expiredFirst) {
            selectExpired(connection, nowMillis, disabled, ordered, wanted, candidates);
        }
        if (candidates.size() < wanted) {
            select(connection, "d.state = 'PENDING' AND d.next_attempt_at <= ?", "d.next_attempt_at, d.seq", nowMillis, disabled,
                    ordered, wanted - candidates.size(), candidates);
        }
        if (!expiredFirst && candidates.size() < wanted) {
            selectExpired(connection, nowMillis, disabled, ordered, wanted - candidates.size(), candidates);
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        Map<String, Integer> counted = inFlight(connection, nowMillis, candidates, admission);
        List<String> admitted = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (String[] candidate : candidates) {
            if (admitted.size() >= limit) {
                break;
            }
            int current = counted.getOrDefault(candidate[1], 0);
            if (admission.admit(candidate[1], current)) {
                admitted.add(candidate[0]);
                counted.put(candidate[1], current + 1);
            } else {
                refused.add(candidate[0]);
            }
        }
        Duration defer = admission.deferRefused();
        if (!refused.isEmpty() && !defer.isZero()) {
            long until = now.plus(defer).toEpochMilli();
            for (List<String> chunk : chunks(refused)) {
                try (PreparedStatement push = connection.prepareStatement("UPDATE endure_delivery SET next_attempt_at = ?"
                        + " WHERE state = 'PENDING' AND next_attempt_at < ? AND id IN (" + marks(chunk.size()) + ")")) {
                    push.setLong(1, until);
                    push.setLong(2, until);
                    bind(push, 3, chunk);
                    push.executeUpdate();
                }
            }
        }
        if (admitted.isEmpty()) {
            return List.of();
        }
        Map<String, Claim> claims = new LinkedHashMap<>();
        for (List<String> chunk : chunks(admitted)) {
            if (postgres) {
                leaseAndRead(connection, owner, leaseUntil, chunk, claims);
                continue;
            }
            try (PreparedStatement leaseRows = connection.prepareStatement("UPDATE endure_delivery SET state = 'IN_FLIGHT', lease_owner = ?,"
                    + " lease_until = ?, fencing_token = fencing_token + 1 WHERE id IN (" + marks(chunk.size()) + ")")) {
                leaseRows.setString(1, owner);
                leaseRows.setLong(2, leaseUntil);
                bind(leaseRows, 3, chunk);
                leaseRows.executeUpdate();
            }
            try (PreparedStatement read = connection.prepareStatement("SELECT d.id, d.message_id, d.endpoint_id, d.fencing_token,"
                    + " d.attempts, d.window_start, m.event_type, m.payload, d.previous_delay_ms FROM endure_delivery d"
                    + " JOIN endure_message m ON m.id = d.message_id WHERE d.id IN (" + marks(chunk.size()) + ")")) {
                bind(read, 1, chunk);
                try (ResultSet row = read.executeQuery()) {
                    while (row.next()) {
                        claims.put(row.getString(1), claim(row, owner, leaseUntil));
                    }
                }
            }
        }
        List<Claim> inOrder = new ArrayList<>(admitted.size());
        for (String id : admitted) {
            inOrder.add(claims.get(id));
        }
        return inOrder;
    }

    /**
     * PostgreSQL: lease and read back with the messages in one statement. Each message is a probe of its primary key (a
     * lateral subquery cannot become a hash join): a plain join's generic plan, made while the table was small and kept by
     * the server-side prepared statement, read every stored message on every claim once the table had grown.
     */
    private static void leaseAndRead(Connection connection, String owner, long leaseUntil, List<String> ids, Map<String, Claim> into)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("WITH leased AS (UPDATE endure_delivery SET state = 'IN_FLIGHT',"
                + " lease_owner = ?, lease_until = ?, fencing_token = fencing_token + 1 WHERE id IN (" + marks(ids.size()) + ")"
                + " RETURNING id, message_id, endpoint_id, fencing_token, attempts, window_start, previous_delay_ms)"
                + " SELECT l.id, l.message_id, l.endpoint_id, l.fencing_token, l.attempts, l.window_start, m.event_type, m.payload,"
                + " l.previous_delay_ms"
                + " FROM leased l CROSS JOIN LATERAL (SELECT x.event_type, x.payload FROM endure_message x WHERE x.id = l.message_id LIMIT 1) m")) {
            statement.setString(1, owner);
            statement.setLong(2, leaseUntil);
            bind(statement, 3, ids);
            try (ResultSet row = statement.executeQuery()) {
                while (row.next()) {
                    into.put(row.getString(1), claim(row, owner, leaseUntil));
                }
            }
        }
    }

    /** A claim from a row of id, message, endpoint, token, attempts, window start, event type, payload, previous delay. */
    private static Claim claim(ResultSet row, String owner, long leaseUntil) throws SQLException {
        long windowStart = row.getLong(6);
        Instant window = row.wasNull() ? null : Instant.ofEpochMilli(windowStart);
        long previousDelay = row.getLong(9);
        Duration previous = row.wasNull() ? null : Duration.ofMillis(previousDelay);
        return new Claim(row.getString(1), row.getString(2), row.getString(3), row.getLong(4), owner, Instant.ofEpochMilli(leaseUntil),
                row.getInt(5) + 1, window, row.getString(7), row.getString(8), previous);
    }

    private void selectExpired(Connection connection, long nowMillis, Set<String> disabled, Set<String> ordered, int limit,
            List<String[]> into) throws SQLException {
        nextExpiredCheck.set(nowMillis + EXPIRED_CHECK_MILLIS);
        select(connection, "d.state = 'IN_FLIGHT' AND d.lease_until <= ?", "d.lease_until, d.seq", nowMillis, disabled, ordered,
                limit, into);
    }

    /**
     * Due candidates in {@code order}, locked {@code FOR UPDATE SKIP LOCKED}. PostgreSQL does it in one statement
     * that walks the index and stops after {@code limit} rows. H2 locks every row the ordered scan looks at before the
     * limit (0.7 s per claim with 50,000 due rows), so there the rows are picked without a lock, then locked by id
     * with the due condition checked again: a row another claimer took meanwhile is skipped or no longer due.
     */
    private void select(Connection connection, String due, String order, long nowMillis, Set<String> disabled,
            Set<String> ordered, int limit, List<String[]> into) throws SQLException {
        if (postgres) {
            select(connection, due, order, nowMillis, disabled, ordered, limit, " FOR UPDATE SKIP LOCKED", into);
            return;
        }
        List<String[]> picked = new ArrayList<>();
        select(connection, due, "d.state, " + order, nowMillis, disabled, ordered, limit, "", picked);
        if (picked.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(picked.size());
        for (String[] candidate : picked) {
            ids.add(candidate[0]);
        }
        Set<String> locked = new HashSet<>();
        try (PreparedStatement lock = connection.prepareStatement("SELECT d.id FROM endure_delivery d WHERE " + due
                + " AND d.id IN (" + marks(ids.size()) + ") FOR UPDATE SKIP LOCKED")) {
            lock.setLong(1, nowMillis);
            bind(lock, 2, ids);
            try (ResultSet rows = lock.executeQuery()) {
                while (rows.next()) {
                    locked.add(rows.getString(1));
                }
            }
        }
        for (String[] candidate : picked) {
            if (locked.contains(candidate[0])) {
                into.add(candidate);
            }
        }
    }

    private static void select(Connection connection, String due, String order, long nowMillis, Set<String> disabled,
            Set<String> ordered, int limit, String lockClause, List<String[]> into) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT d.id, d.endpoint_id FROM endure_delivery d WHERE ").append(due);
        if (!disabled.isEmpty()) {
            sql.append(" AND d.endpoint_id NOT IN (").append(marks(disabled.size())).append(')');
        }
        if (!ordered.isEmpty()) {
            // Ordered endpoints: a delivery waits while an earlier one to the same endpoint is unfinished.
            sql.append(" AND (d.endpoint_id NOT IN (").append(marks(ordered.size())).append(")")
                    .append(" OR NOT EXISTS (SELECT 1 FROM endure_delivery p WHERE p.endpoint_id = d.endpoint_id AND p.seq < d.seq")
                    .append(" AND p.state IN ('PENDING', 'IN_FLIGHT', 'HELD')))");
        }
        sql.append(" ORDER BY ").append(order).append(" LIMIT ?").append(lockClause);
        try (PreparedStatement select = connection.prepareStatement(sql.toString())) {
            int index = 1;
            select.setLong(index++, nowMillis);
            index = bind(select, index, disabled);
            index = bind(select, index, ordered);
            select.setInt(index, limit);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    into.add(new String[] {rows.getString(1), rows.getString(2)});
                }
            }
        }
    }

    /** Live leases per endpoint of the candidates (the admission's concurrency input); an index range per endpoint. */
    private static Map<String, Integer> inFlight(Connection connection, long nowMillis, List<String[]> candidates,
            ClaimAdmission admission) throws SQLException {
        Set<String> wanted = new HashSet<>();
        for (String[] candidate : candidates) {
            if (admission.countsInFlight(candidate[1])) {
                wanted.add(candidate[1]);
            }
        }
        Map<String, Integer> counts = new HashMap<>();
        if (wanted.isEmpty()) {
            return counts;
        }
        boolean few = wanted.size() <= 500;
        try (PreparedStatement count = connection.prepareStatement("SELECT endpoint_id, COUNT(*) FROM endure_delivery"
                + " WHERE state = 'IN_FLIGHT' AND lease_until > ?" + (few ? " AND endpoint_id IN (" + marks(wanted.size()) + ")" : "")
                + " GROUP BY endpoint_id")) {
            count.setLong(1, nowMillis);
            if (few) {
                bind(count, 2, wanted);
            }
            try (ResultSet rows = count.executeQuery()) {
                while (rows.next()) {
                    counts.put(rows.getString(1), rows.getInt(2));
                }
            }
        }
        return counts;
    }

    /** {@code ?, ?, ?} for an IN list. */
    static String marks(int count) {
        StringBuilder marks = new StringBuilder(count * 3);
        for (int i = 0; i < count; i++) {
            marks.append(i == 0 ? "?" : ", ?");
        }
        return marks.toString();
    }

    /** Binds strings from {@code first}; returns the next free index. */
    static int bind(PreparedStatement statement, int first, Collection<String> values) throws SQLException {
        int index = first;
        for (String value : values) {
            statement.setString(index++, value);
        }
        return index;
    }

    /** IN lists of at most 500 values (well inside every driver's parameter limit). */
    static List<List<String>> chunks(List<String> values) {
        List<List<String>> chunks = new ArrayList<>();
        for (int start = 0; start < values.size(); start += 500) {
            chunks.add(values.subList(start, Math.min(values.size(), start + 500)));
        }
        return chunks;
    }
}
