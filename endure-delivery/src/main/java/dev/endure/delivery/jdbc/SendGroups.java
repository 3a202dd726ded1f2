package dev.endure.delivery.jdbc;

import dev.endure.delivery.EnqueueResult;
import dev.endure.delivery.FanOutResult;
import dev.endure.delivery.NewMessage;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Single sends of {@link JdbcDeliveryStore}, group-committed ({@link GroupCommit}): sends that arrive while one is
 * being written share the next transaction. Within it, per distinct endpoint list one {@link EnqueueSql} pass, and
 * per event type of the fan-out sends one {@link FanOutSql} read (type check, earlier keys, subscribers; on
 * PostgreSQL also their locks and enabled flags) followed by {@link EnqueueSql}'s inserts; all stamped with the
 * group's earliest time (so every delivery is due by its sender's now). Two sends with one key in the group: the
 * later one is the duplicate, as if it had committed second.
 */
final class SendGroups {

    /** One send waiting for the group commit; {@code endpointIds} null: to the subscribers of its event type. */
    record Send(NewMessage message, List<String> endpointIds, Instant now) {}

    /** The fan-out sends of one event type (a part of a group, beside the endpoint lists of the other sends). */
    private record Subscribers(String eventType) {}

    private final Function<JdbcTransactions.Work<List<FanOutResult>>, List<FanOutResult>> transaction;
    private final boolean postgres;
    private final GroupCommit<Send, FanOutResult> sends = new GroupCommit<>(this::write, send -> "sending message " + send.message().id());

    /** @param transaction runs work in one transaction of the store */
    SendGroups(Function<JdbcTransactions.Work<List<FanOutResult>>, List<FanOutResult>> transaction, boolean postgres) {
        this.transaction = transaction;
        this.postgres = postgres;
    }

    /** Writes {@code send} with whatever else is waiting; its result, or its own failure. */
    FanOutResult submit(Send send) {
        return sends.submit(send);
    }

    private List<FanOutResult> write(List<Send> group) {
        Map<Object, List<Integer>> parts = new LinkedHashMap<>();
        Instant earliest = group.get(0).now();
        for (int i = 0; i < group.size(); i++) {
            Send send = group.get(i);
            Object part = send.endpointIds() == null ? new Subscribers(send.message().eventType()) : send.endpointIds();
            parts.computeIfAbsent(part, key -> new ArrayList<>()).add(i);
            earliest = send.now().isBefore(earliest) ? send.now() : earliest;
        }
        long nowMillis = earliest.toEpochMilli();
        return retryingKeyRace(() -> transaction.apply(connection -> {
            List<FanOutResult> results = new ArrayList<>(Collections.nCopies(group.size(), null));
            for (Map.Entry<Object, List<Integer>> part : parts.entrySet()) {
                List<Integer> indexes = part.getValue();
                if (part.getKey() instanceof Subscribers subscribers) {
                    fanOut(connection, subscribers.eventType(), indexes, group, results, nowMillis);
                    continue;
                }
                @SuppressWarnings("unchecked")
                List<String> endpointIds = (List<String>) part.getKey();
                List<NewMessage> messages = indexes.stream().map(i -> group.get(i).message()).toList();
                List<List<EnqueueResult>> written = EnqueueSql.enqueue(connection, messages, endpointIds, nowMillis, postgres);
                for (int k = 0; k < written.size(); k++) {
                    results.set(indexes.get(k), FanOutResult.of(messages.get(k).id(), written.get(k)));
                }
            }
            return results;
        }));
    }

    /** The fan-out sends of one event type: a repeated key answers the earlier message; the rest go to the type's subscribers. */
    private void fanOut(java.sql.Connection connection, String eventType, List<Integer> indexes, List<Send> group, List<FanOutResult> results,
            long nowMillis) throws SQLException {
        List<String> keys = indexes.stream().map(i -> group.get(i).message().idempotencyKey()).filter(Objects::nonNull).distinct().toList();
        FanOutSql.Before before = FanOutSql.read(connection, eventType, keys, postgres);
        List<Integer> fresh = new ArrayList<>();
        for (int i : indexes) {
            NewMessage message = group.get(i).message();
            FanOutResult earlier = message.idempotencyKey() == null ? null : before.earlierByKey().get(message.idempotencyKey());
            if (earlier != null) {
                results.set(i, earlier);
            } else if (before.subscribers().isEmpty()) {
                results.set(i, new FanOutResult(message.id(), false, List.of())); // no endpoint takes it: nothing stored
            } else {
                fresh.add(i);
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        List<NewMessage> messages = fresh.stream().map(i -> group.get(i).message()).toList();
        List<List<EnqueueResult>> written = before.enabled() != null
                ? EnqueueSql.write(connection, messages, before.subscribers(), before.enabled(), new java.util.HashMap<>(), nowMillis, postgres)
                : EnqueueSql.enqueue(connection, messages, before.subscribers(), nowMillis, postgres, true);
        for (int k = 0; k < written.size(); k++) {
            results.set(fresh.get(k), FanOutResult.of(messages.get(k).id(), written.get(k)));
        }
    }

    /** Two concurrent sends with one idempotency key: the loser retries once and sees the winner's delivery. */
    static <T> T retryingKeyRace(Supplier<T> enqueue) {
        try {
            return enqueue.get();
        } catch (JdbcStoreException e) {
            if (e.getCause() instanceof SQLException sql && JdbcDeliveryStore.isUniqueViolation(sql)) {
                return enqueue.get();
            }
            throw e;
        }
    }
}
