package dev.endure.delivery.jdbc;

import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.EnqueueResult;
import dev.endure.delivery.NewMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The enqueue transaction of {@link JdbcDeliveryStore} for one message or a batch, in a fixed number of
 * statements: read (and share-lock) the endpoints, look up idempotency keys (if any), insert the messages not
 * stored yet, insert deliveries.
 *
 * <p>The send/disable race: a send reads an endpoint as enabled and inserts PENDING deliveries; a disable
 * committing in between would already have swept PENDING to HELD, and claims skip disabled endpoints, so
 * the delivery would sit PENDING forever. The send therefore holds a lock on the endpoint rows until it
 * commits: on PostgreSQL a {@code FOR SHARE} lock, which sends to the same endpoint share (they never wait
 * for each other) while a disable's update waits for them; H2 has no shared row locks, so there it is
 * {@code FOR UPDATE} (one process, short transactions).
 */
final class EnqueueSql {

    private EnqueueSql() {}

    /**
     * @param shareLock the row-lock clause that a concurrent {@code UPDATE} of the endpoint must wait for
     * @return per message, per endpoint (in {@code endpointIds} order), what happened
     */
    static List<List<EnqueueResult>> enqueue(Connection connection, List<NewMessage> messages, List<String> endpointIds, long nowMillis,
            String shareLock) throws SQLException {
        List<String> endpoints = new ArrayList<>(new LinkedHashSet<>(endpointIds));
        Map<String, Boolean> enabled = new HashMap<>();
        // Sorted, so two sends to overlapping endpoint sets lock in the same order.
        TreeSet<String> sorted = new TreeSet<>(endpoints);
        try (PreparedStatement select = connection.prepareStatement("SELECT id, enabled FROM endure_endpoint WHERE id IN ("
                + ClaimSql.marks(sorted.size()) + ") ORDER BY id " + shareLock)) {
            ClaimSql.bind(select, 1, sorted);
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    enabled.put(row.getString(1), row.getBoolean(2));
                }
            }
        }
        for (String endpointId : endpoints) {
            if (!enabled.containsKey(endpointId)) {
                throw new IllegalArgumentException("unknown endpoint " + endpointId + " for message " + messages.get(0).id()
                        + (messages.size() > 1 ? " (and " + (messages.size() - 1) + " more in the batch)" : ""));
            }
        }
        Map<String, EnqueueResult> byEndpointAndKey = existingKeys(connection, messages, endpoints);
        Set<String> inserting = new HashSet<>();
        List<List<EnqueueResult>> results = new ArrayList<>(messages.size());
        List<NewMessage> newMessages = new ArrayList<>();
        List<Object[]> newDeliveries = new ArrayList<>();
        for (NewMessage message : messages) {
            List<EnqueueResult> forMessage = new ArrayList<>(endpoints.size());
            boolean anyNew = false;
            for (String endpointId : endpoints) {
                String key = message.idempotencyKey() == null ? null : endpointId + '\n' + message.idempotencyKey();
                EnqueueResult earlier = key == null ? null : byEndpointAndKey.get(key);
                if (earlier != null) {
                    forMessage.add(new EnqueueResult(endpointId, true, earlier.deliveryId(), earlier.messageId(), earlier.state()));
                    continue;
                }
                String deliveryId = "dlv_" + UUID.randomUUID().toString().replace("-", "");
                DeliveryState state = enabled.get(endpointId) ? DeliveryState.PENDING : DeliveryState.HELD;
                EnqueueResult accepted = new EnqueueResult(endpointId, false, deliveryId, message.id(), state);
                forMessage.add(accepted);
                if (key != null) {
                    byEndpointAndKey.put(key, accepted); // a repeat of the key later in this batch is its duplicate
                }
                newDeliveries.add(new Object[] {deliveryId, message.id(), endpointId, message.idempotencyKey(), state.name()});
                anyNew = true;
            }
            if (anyNew && inserting.add(message.id())) {
                newMessages.add(message);
            }
            results.add(forMessage);
        }
        if (!newMessages.isEmpty()) {
            // A message id may be stored already (sent to other endpoints before): insert it only if it is not.
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO endure_message (id, event_type, payload,"
                    + " idempotency_key, created_at) SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM endure_message WHERE id = ?)")) {
                for (NewMessage message : newMessages) {
                    insert.setString(1, message.id());
                    insert.setString(2, message.eventType());
                    insert.setString(3, message.payload());
                    insert.setString(4, message.idempotencyKey());
                    insert.setLong(5, nowMillis);
                    insert.setString(6, message.id());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        }
        if (!newDeliveries.isEmpty()) {
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO endure_delivery (id, message_id, endpoint_id,"
                    + " idempotency_key, state, attempts, next_attempt_at, fencing_token, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, 0, ?)")) {
                for (Object[] delivery : newDeliveries) {
                    for (int i = 0; i < 5; i++) {
                        insert.setString(i + 1, (String) delivery[i]);
                    }
                    insert.setLong(6, nowMillis);
                    insert.setLong(7, nowMillis);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
        }
        return results;
    }

    /** Deliveries that already carry one of the batch's idempotency keys, by "endpoint\nkey". */
    private static Map<String, EnqueueResult> existingKeys(Connection connection, List<NewMessage> messages, List<String> endpoints)
            throws SQLException {
        Map<String, EnqueueResult> found = new HashMap<>();
        List<String> keys = new ArrayList<>(new LinkedHashSet<>(messages.stream().map(NewMessage::idempotencyKey)
                .filter(java.util.Objects::nonNull).toList()));
        for (List<String> chunk : ClaimSql.chunks(keys)) {
            try (PreparedStatement select = connection.prepareStatement("SELECT endpoint_id, idempotency_key, id, message_id, state"
                    + " FROM endure_delivery WHERE endpoint_id IN (" + ClaimSql.marks(endpoints.size()) + ") AND idempotency_key IN ("
                    + ClaimSql.marks(chunk.size()) + ")")) {
                int next = ClaimSql.bind(select, 1, endpoints);
                ClaimSql.bind(select, next, chunk);
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        found.put(row.getString(1) + '\n' + row.getString(2), new EnqueueResult(row.getString(1), true, row.getString(3),
                                row.getString(4), DeliveryState.valueOf(row.getString(5))));
                    }
                }
            }
        }
        return found;
    }
}
