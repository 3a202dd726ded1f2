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
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Recording results with group commit. Senders that finish while a write is under way queue up; when it
 * ends, one of them writes the whole queue in one transaction (one batched {@code UPDATE} fenced by token,
 * one batched {@code INSERT} of the attempts of the rows that matched, one commit) and wakes the others.
 * Each caller still learns its own outcome, synchronously: recorded, or {@link StaleLeaseException} when
 * its fencing token is no longer the delivery's. Under load this turns N commits into one; alone, a
 * sender writes at once, as before.
 */
final class CompleteSql {

    /** One result to record. */
    record Item(Claim claim, Attempt attempt, Transition transition) {}

    private static final class Pending {
        final Item item;
        boolean done;
        boolean stale;
        RuntimeException failure;

        Pending(Item item) {
            this.item = item;
        }
    }

    private final Function<List<Item>, boolean[]> writeBatch;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition written = lock.newCondition();
    private List<Pending> queue = new ArrayList<>();
    private boolean writing;

    /** @param writeBatch writes items in one transaction; per item, whether its row matched (false: stale) */
    CompleteSql(Function<List<Item>, boolean[]> writeBatch) {
        this.writeBatch = writeBatch;
    }

    void complete(Item item) {
        Pending mine = new Pending(item);
        List<Pending> batch = null;
        lock.lock();
        try {
            queue.add(mine);
            while (!mine.done) {
                if (!writing) {
                    writing = true;
                    batch = queue;
                    queue = new ArrayList<>();
                    break;
                }
                written.awaitUninterruptibly(); // bounded by the write under way
            }
        } finally {
            lock.unlock();
        }
        if (batch != null) {
            try {
                write(batch);
            } finally {
                lock.lock();
                try {
                    writing = false;
                    written.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
        if (mine.failure != null) {
            throw mine.failure;
        }
        if (mine.stale) {
            throw new StaleLeaseException(item.claim().deliveryId(), item.claim().fencingToken());
        }
    }

    /** Results waiting for the write under way to end (for tests). */
    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    private void write(List<Pending> batch) {
        try {
            apply(batch, writeBatch.apply(batch.stream().map(p -> p.item).toList()));
        } catch (RuntimeException | Error failure) {
            if (batch.size() == 1) {
                settle(batch.get(0), failure);
                return;
            }
            // Whatever failed, it must not fail the others: write each alone.
            for (Pending pending : batch) {
                try {
                    apply(List.of(pending), writeBatch.apply(List.of(pending.item)));
                } catch (RuntimeException | Error alone) {
                    settle(pending, alone);
                }
            }
        }
    }

    private static void apply(List<Pending> batch, boolean[] matched) {
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).stale = !matched[i];
            batch.get(i).done = true;
        }
    }

    private static void settle(Pending pending, Throwable failure) {
        pending.failure = failure instanceof RuntimeException runtime ? runtime
                : new JdbcStoreException("recording delivery " + pending.item.claim().deliveryId() + " failed: " + failure, failure);
        pending.done = true;
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
                Claim claim = item.claim();
                Attempt attempt = item.attempt();
                Transition transition = item.transition();
                Instant next = transition instanceof Transition.RetryAt retry ? retry.nextAttemptAt() : null;
                String reason = transition instanceof Transition.Failed failed ? failed.reason()
                        : transition instanceof Transition.Held held ? held.reason() : null;
                String kind = next != null ? "RETRY" : transition.state().name();
                update.setString(1, kind);
                update.setString(2, kind);
                update.setString(3, transition.state().name());
                update.setLong(4, next != null ? next.toEpochMilli() : attempt.startedAt().toEpochMilli());
                update.setLong(5, claim.windowStart() != null ? claim.windowStart().toEpochMilli() : attempt.startedAt().toEpochMilli());
                if (transition.state().isTerminal()) {
                    update.setLong(6, attempt.startedAt().plus(attempt.latency()).toEpochMilli());
                } else {
                    update.setNull(6, Types.BIGINT);
                }
                setText(update, 7, JdbcDeliveryStore.truncate(reason, 1000));
                if (attempt.httpStatus() == null) {
                    update.setNull(8, Types.INTEGER);
                } else {
                    update.setInt(8, attempt.httpStatus());
                }
                setText(update, 9, JdbcDeliveryStore.truncate(attempt.error(), 1000));
                if (transition instanceof Transition.RetryAt retry && retry.delay() != null) {
                    update.setLong(10, retry.delay().toMillis()); // decorrelated jitter grows from it
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
