package dev.endure.delivery.jdbc;

import dev.endure.delivery.EnqueueResult;
import dev.endure.delivery.FanOutResult;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.SendRefusedException;
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

    /**
     * One send waiting for the group commit; {@code endpointIds} null: to the subscribers of its event type; {@code checked}:
     * to the endpoints named, checking the type, the endpoints and a reused key's body in the transaction (see {@link #named}).
     */
    record Send(NewMessage message, List<String> endpointIds, Instant now, boolean checked) {

        Send(NewMessage message, List<String> endpointIds, Instant now) {
            this(message, endpointIds, now, false);
        }
    }

    /** The fan-out sends of one event type (a part of a group, beside the endpoint lists of the other sends). */
    private record Subscribers(String eventType) {}

    /** The checked sends of one event type to one endpoint list. */
    private record Checked(String eventType, List<String> endpointIds) {}

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
            Object part = send.endpointIds() == null ? new Subscribers(send.message().eventType())
                    : send.checked() ? new Checked(send.message().eventType(), send.endpointIds()) : send.endpointIds();
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
                if (part.getKey() instanceof Checked checked) {
                    named(connection, checked, indexes, group, results, nowMillis);
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

    /**
     * The checked sends of one type to one endpoint list: refused, with nothing written, if the type is not sendable, a named
     * endpoint does not exist or does not take the type, or a key was used before (or earlier in the group) for a message whose
     * event type or payload differs in its bytes (the caller decides whether that is another JSON value); else as
     * {@link EnqueueSql#write}, a repeated key per endpoint being the earlier delivery's duplicate.
     */
    private void named(java.sql.Connection connection, Checked part, List<Integer> indexes, List<Send> group, List<FanOutResult> results,
            long nowMillis) throws SQLException {
        List<String> endpoints = List.copyOf(new java.util.LinkedHashSet<>(part.endpointIds()));
        List<NewMessage> messages = indexes.stream().map(i -> group.get(i).message()).toList();
        List<String> keys = messages.stream().map(NewMessage::idempotencyKey).filter(Objects::nonNull).distinct().toList();
        FanOutSql.Before before = FanOutSql.read(connection, part.eventType(), endpoints, keys, postgres);
        List<String> unknown = endpoints.stream().filter(id -> !before.enabled().containsKey(id)).toList();
        if (!unknown.isEmpty() || !before.unsubscribed().isEmpty()) {
            throw new SendRefusedException(unknown, before.unsubscribed(), null);
        }
        Map<String, EnqueueResult> byEndpointAndKey = new java.util.HashMap<>();
        Map<String, NewMessage> firstWithKey = new java.util.HashMap<>();
        for (NewMessage message : messages) {
            String key = message.idempotencyKey();
            if (key == null) {
                continue;
            }
            for (String endpointId : endpoints) {
                FanOutSql.Earlier earlier = before.earlierByEndpointKey().get(endpointId + '\n' + key);
                if (earlier != null && !(message.eventType().equals(earlier.eventType()) && message.payload().equals(earlier.payload()))) {
                    throw new SendRefusedException(List.of(), Map.of(), earlier.delivery().messageId());
                }
            }
            NewMessage first = firstWithKey.putIfAbsent(key, message);
            if (first != null && !(message.eventType().equals(first.eventType()) && message.payload().equals(first.payload()))) {
                throw new SendRefusedException(List.of(), Map.of(), first.id()); // alone, it finds the first one stored
            }
        }
        before.earlierByEndpointKey().forEach((key, earlier) -> byEndpointAndKey.put(key, earlier.delivery()));
        List<List<EnqueueResult>> written = EnqueueSql.write(connection, messages, endpoints, before.enabled(), byEndpointAndKey, nowMillis,
                postgres);
        for (int k = 0; k < written.size(); k++) {
            results.set(indexes.get(k), FanOutResult.of(messages.get(k).id(), written.get(k)));
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
