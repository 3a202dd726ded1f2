package dev.endure.delivery.jdbc;

import dev.endure.delivery.Attempt;
import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.spi.StaleLeaseException;
import dev.endure.delivery.spi.Transition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Recording results with group commit ({@link GroupCommit}): senders that finish while a write is under way
 * share the next transaction (on PostgreSQL one statement, {@link #writeOne}; elsewhere one batched
 * {@code UPDATE} fenced by token, one batched {@code INSERT} of the attempts of the rows that matched, one
 * commit). Each caller still learns its own outcome, synchronously: recorded, or {@link StaleLeaseException}
 * when its fencing token is no longer the delivery's.
 */
final class CompleteSql {

    /** One result to record. */
    record Item(Claim claim, Attempt attempt, Transition transition) {}

    /**
     * The one order in which a result and a lease renewal lock in-flight rows, by delivery id: two orders over the same rows
     * deadlocked ({@link JdbcDeliveryStore#renewLeases} sorts by it too).
     */
    static final java.util.Comparator<Claim> LOCK_ORDER = java.util.Comparator.comparing(Claim::deliveryId);
    private static final java.util.Comparator<Item> BY_DELIVERY_ID = java.util.Comparator.comparing(Item::claim, LOCK_ORDER);

    private final GroupCommit<Item, Boolean> group;

    /** @param writeBatch writes items in one transaction; per item, whether its row matched (false: stale) */
    CompleteSql(Function<List<Item>, boolean[]> writeBatch) {
        this.group = new GroupCommit<>(items -> {
            boolean[] matched = writeBatch.apply(items);
            List<Boolean> results = new ArrayList<>(matched.length);
            for (boolean match : matched) {
                results.add(match);
            }
            return results;
        }, item -> "recording delivery " + item.claim().deliveryId());
    }

    void complete(Item item) {
        if (!group.submit(item)) {
            throw new StaleLeaseException(item.claim().deliveryId(), item.claim().fencingToken());
        }
    }

    /** Results waiting for the write under way to end (for tests). */
    int queued() {
        return group.queued();
    }

    /**
     * PostgreSQL: the whole group in one statement, run in auto-commit (one statement is one transaction): the
     * fenced update of every delivery and the insert of the attempts whose update matched, from arrays. One
     * round trip per group instead of a batched update, a batched insert and a commit.
     */
    static boolean[] writeOne(Connection connection, List<Item> items) throws SQLException {
        int n = items.size();
        String[] ids = new String[n];
        Long[] tokens = new Long[n];
        String[] kinds = new String[n];
        String[] states = new String[n];
        Long[] nextAt = new Long[n];
        Long[] windows = new Long[n];
        Long[] finished = new Long[n];
        String[] reasons = new String[n];
        Integer[] statuses = new Integer[n];
        String[] errors = new String[n];
        Long[] delays = new Long[n];
        String[] endpoints = new String[n];
        Integer[] numbers = new Integer[n];
        Long[] started = new Long[n];
        Long[] latencies = new Long[n];
        String[] snippets = new String[n];
        String[] outcomes = new String[n];
        Long[] attemptNext = new Long[n];
        String[] terminals = new String[n];
        // In id order, as a lease renewal renews them: the UPDATE locks the rows in the order of the input (a probe
        // each), and a heartbeat renewing the same in-flight rows in another order deadlocked with it (PostgreSQL log:
        // "deadlock detected", then a second's wait for deadlock_timeout: p99 accept->first attempt 970 ms in one run).
        List<Item> inIdOrder = new java.util.ArrayList<>(items);
        inIdOrder.sort(BY_DELIVERY_ID);
        for (int i = 0; i < n; i++) {
            Row row = new Row(inIdOrder.get(i));
            ids[i] = row.claim.deliveryId();
            tokens[i] = row.claim.fencingToken();
            kinds[i] = row.kind;
            states[i] = row.transition.state().name();
            nextAt[i] = row.nextAttemptAt;
            windows[i] = row.windowStart;
            finished[i] = row.finishedAt;
            reasons[i] = row.reason;
            statuses[i] = row.attempt.httpStatus();
            errors[i] = row.error;
            delays[i] = row.previousDelay;
            endpoints[i] = row.claim.endpointId();
            numbers[i] = row.attempt.number();
            started[i] = row.attempt.startedAt().toEpochMilli();
            latencies[i] = row.attempt.latency().toMillis();
            snippets[i] = JdbcDeliveryStore.truncate(row.attempt.responseSnippet(), 4000);
            outcomes[i] = row.attempt.outcome().name();
            attemptNext[i] = row.attempt.nextAttemptAt() == null ? null : row.attempt.nextAttemptAt().toEpochMilli();
            terminals[i] = JdbcDeliveryStore.truncate(row.attempt.terminalReason(), 1000);
        }
        String sql = "WITH input AS (SELECT * FROM unnest(?::varchar[], ?::bigint[], ?::varchar[], ?::varchar[], ?::bigint[],"
                + " ?::bigint[], ?::bigint[], ?::varchar[], ?::int[], ?::varchar[], ?::bigint[], ?::varchar[], ?::int[], ?::bigint[],"
                + " ?::bigint[], ?::varchar[], ?::varchar[], ?::bigint[], ?::varchar[]) AS t(id, token, kind, state, next_at,"
                + " window_start, finished_at, reason, status, error, previous_delay, endpoint_id, number, started_at, latency,"
                + " snippet, outcome, attempt_next, terminal)),"
                + " updated AS (UPDATE endure_delivery d SET state = CASE WHEN i.kind = 'RETRY' AND EXISTS (SELECT 1 FROM"
                + " endure_endpoint e WHERE e.id = d.endpoint_id AND e.enabled = FALSE) THEN 'HELD' WHEN i.kind = 'RETRY' THEN 'PENDING'"
                + " ELSE i.state END, attempts = d.attempts + 1, next_attempt_at = i.next_at,"
                + " window_start = COALESCE(d.window_start, i.window_start), lease_owner = NULL, lease_until = NULL,"
                + " finished_at = i.finished_at, terminal_reason = i.reason, last_status = i.status, last_error = i.error,"
                + " previous_delay_ms = i.previous_delay FROM input i"
                // "In flight with this token", written so that no index on state can serve it: the only way in is the primary
                // key. As d.state = 'IN_FLIGHT' it matched the lease index's predicate, and where few rows were in flight when
                // the table was analyzed, the planner read that whole index (with every dead entry autovacuum had not yet
                // removed) once per batch instead of probing each id: 6.7 ms a batch on the shared server.
                + " WHERE d.id = i.id AND CASE WHEN d.state = 'IN_FLIGHT' THEN d.fencing_token END = i.token RETURNING d.id, d.fencing_token),"
                + " recorded AS (INSERT INTO endure_attempt (delivery_id, endpoint_id, attempt_number, fencing_token, started_at,"
                + " latency_ms, http_status, error_text, response_snippet, outcome, next_attempt_at, terminal_reason)"
                + " SELECT i.id, i.endpoint_id, i.number, i.token, i.started_at, i.latency, i.status, i.error, i.snippet, i.outcome,"
                + " i.attempt_next, i.terminal FROM input i JOIN updated u ON u.id = i.id AND u.fencing_token = i.token)"
                + " SELECT id, fencing_token FROM updated";
        java.util.Set<String> matchedKeys = new java.util.HashSet<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            Object[][] arrays = {ids, tokens, kinds, states, nextAt, windows, finished, reasons, statuses, errors, delays, endpoints,
                    numbers, started, latencies, snippets, outcomes, attemptNext, terminals};
            for (int a = 0; a < arrays.length; a++) {
                Object[] values = arrays[a];
                String type = values instanceof Long[] ? "int8" : values instanceof Integer[] ? "int4" : "varchar";
                statement.setArray(a + 1, connection.createArrayOf(type, values));
            }
            try (java.sql.ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    matchedKeys.add(rows.getString(1) + '\n' + rows.getLong(2));
                }
            }
        }
        boolean[] matched = new boolean[n];
        for (int i = 0; i < n; i++) {
            Claim claim = items.get(i).claim();
            matched[i] = matchedKeys.contains(claim.deliveryId() + '\n' + claim.fencingToken());
        }
        return matched;
    }

    /** One item's values as both writes store them. */
    private static final class Row {
        final Claim claim;
        final Attempt attempt;
        final Transition transition;
        final String kind;
        final long nextAttemptAt;
        final long windowStart;
        final Long finishedAt;
        final String reason;
        final String error;
        final Long previousDelay;

        Row(Item item) {
            claim = item.claim();
            attempt = item.attempt();
            transition = item.transition();
            Instant next = transition instanceof Transition.RetryAt retry ? retry.nextAttemptAt() : null;
            kind = next != null ? "RETRY" : transition.state().name();
            nextAttemptAt = next != null ? next.toEpochMilli() : attempt.startedAt().toEpochMilli();
            windowStart = claim.windowStart() != null ? claim.windowStart().toEpochMilli() : attempt.startedAt().toEpochMilli();
            finishedAt = transition.state().isTerminal() ? attempt.startedAt().plus(attempt.latency()).toEpochMilli() : null;
            reason = JdbcDeliveryStore.truncate(transition instanceof Transition.Failed failed ? failed.reason()
                    : transition instanceof Transition.Held held ? held.reason() : null, 1000);
            error = JdbcDeliveryStore.truncate(attempt.error(), 1000);
            // decorrelated jitter grows from it
            previousDelay = transition instanceof Transition.RetryAt retry && retry.delay() != null ? retry.delay().toMillis() : null;
        }
    }

    /** The batch's statements inside the caller's transaction. */
    static boolean[] write(Connection connection, List<Item> items) throws SQLException {
        boolean[] matched = new boolean[items.size()];
        // A retry of an endpoint disabled meanwhile is held rather than left pending.
        String sql = "UPDATE endure_delivery SET state = CASE WHEN ? = 'RETRY' AND EXISTS (SELECT 1 FROM endure_endpoint e"
                + " WHERE e.id = endpoint_id AND e.enabled = FALSE) THEN 'HELD' WHEN ? = 'RETRY' THEN 'PENDING' ELSE ? END,"
                + " attempts = attempts + 1, next_attempt_at = ?, window_start = COALESCE(window_start, ?), lease_owner = NULL,"
                + " lease_until = NULL, finished_at = ?, terminal_reason = ?, last_status = ?, last_error = ?, previous_delay_ms = ?"
                + " WHERE id = ? AND fencing_token = ? AND state = 'IN_FLIGHT'";
        try (PreparedStatement update = connection.prepareStatement(sql)) {
            for (Item item : items) {
                Row row = new Row(item);
                Claim claim = row.claim;
                update.setString(1, row.kind);
                update.setString(2, row.kind);
                update.setString(3, row.transition.state().name());
                update.setLong(4, row.nextAttemptAt);
                update.setLong(5, row.windowStart);
                if (row.finishedAt != null) {
                    update.setLong(6, row.finishedAt);
                } else {
                    update.setNull(6, Types.BIGINT);
                }
                setText(update, 7, row.reason);
                if (row.attempt.httpStatus() == null) {
                    update.setNull(8, Types.INTEGER);
                } else {
                    update.setInt(8, row.attempt.httpStatus());
                }
                setText(update, 9, row.error);
                if (row.previousDelay != null) {
                    update.setLong(10, row.previousDelay);
                } else {
                    update.setNull(10, Types.BIGINT);
                }
                update.setString(11, claim.deliveryId());
                update.setLong(12, claim.fencingToken());
                update.addBatch();
            }
            int[] counts = update.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] == Statement.SUCCESS_NO_INFO) {
                    throw new SQLException("the driver did not report which deliveries matched their fencing token");
                }
                matched[i] = counts[i] > 0;
            }
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO endure_attempt (delivery_id, endpoint_id,"
                + " attempt_number, fencing_token, started_at, latency_ms, http_status, error_text, response_snippet, outcome,"
                + " next_attempt_at, terminal_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            boolean any = false;
            for (int i = 0; i < items.size(); i++) {
                if (!matched[i]) {
                    continue; // stale: nothing of it is written
                }
                Claim claim = items.get(i).claim();
                Attempt attempt = items.get(i).attempt();
                insert.setString(1, claim.deliveryId());
                insert.setString(2, claim.endpointId());
                insert.setInt(3, attempt.number());
                insert.setLong(4, claim.fencingToken());
                insert.setLong(5, attempt.startedAt().toEpochMilli());
                insert.setLong(6, attempt.latency().toMillis());
                if (attempt.httpStatus() == null) {
                    insert.setNull(7, Types.INTEGER);
                } else {
                    insert.setInt(7, attempt.httpStatus());
                }
                setText(insert, 8, JdbcDeliveryStore.truncate(attempt.error(), 1000));
                setText(insert, 9, JdbcDeliveryStore.truncate(attempt.responseSnippet(), 4000));
                insert.setString(10, attempt.outcome().name());
                if (attempt.nextAttemptAt() == null) {
                    insert.setNull(11, Types.BIGINT);
                } else {
                    insert.setLong(11, attempt.nextAttemptAt().toEpochMilli());
                }
                setText(insert, 12, JdbcDeliveryStore.truncate(attempt.terminalReason(), 1000));
                insert.addBatch();
                any = true;
            }
            if (any) {
                insert.executeBatch();
            }
        }
        return matched;
    }

    private static void setText(PreparedStatement statement, int index, String value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.VARCHAR);
        } else {
            statement.setString(index, value);
        }
    }
}
