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
 * the delivery would sit PENDING forever. A send therefore holds a lock on each of its endpoints until it
 * commits that a disable (or enable) must wait for, and reads the endpoints only once it holds it. On
 * PostgreSQL that is a shared transaction-scoped advisory lock per endpoint ({@link #SHARED_LOCK}, an entry in
 * the lock manager): sends to one endpoint never wait for each other, and unlike a {@code FOR SHARE} row lock
 * it writes nothing to the endpoint's row, so many concurrent sends to one endpoint do not queue on its page
 * and its multixact; a disable takes the same lock exclusively ({@link #EXCLUSIVE_LOCK}) before it updates.
 * The lock, the endpoint read and the idempotency-key lookup go in one round trip (three statements, each
 * with its own snapshot, so the read sees a disable that committed while the send waited). H2 has neither, so
 * there the endpoint rows are read {@code FOR UPDATE} (one process, short transactions).
 */
final class EnqueueSql {

    /** The advisory-lock class of endpoint locks (the second key is {@code hashtext(endpoint id)}). */
    static final int LOCK_CLASS = 0x656e6470; // "endp"
    /** A send's lock on one endpoint (PostgreSQL). */
    static final String SHARED_LOCK = "SELECT pg_advisory_xact_lock_shared(" + LOCK_CLASS + ", hashtext(?))";
    /** A disable's or enable's lock on one endpoint (PostgreSQL): waits for the sends under way, holds off new ones. */
    static final String EXCLUSIVE_LOCK = "SELECT pg_advisory_xact_lock(" + LOCK_CLASS + ", hashtext(?))";

    /**
     * PostgreSQL: the deliveries that carry one of the keys (second array) on one of the endpoints (first array), as
     * {@code d}: one probe of the unique (endpoint, key) index per pair. Written as a lateral subquery with {@code LIMIT 1}
     * (exact: the pair is unique) because the plain {@code endpoint_id = ANY(..) AND idempotency_key = ANY(..)} was planned
     * on the endpoint index whenever the table had grown since its statistics, reading every delivery of the endpoint
     * per send (6-15 ms with 10-25k deliveries, against 0.15 ms).
     */
    static final String KEYED = "unnest(?::varchar[]) AS e(id) CROSS JOIN unnest(?::varchar[]) AS k(key) CROSS JOIN LATERAL"
            + " (SELECT * FROM endure_delivery x WHERE x.endpoint_id = e.id AND x.idempotency_key = k.key LIMIT 1) d";

    private EnqueueSql() {}

    /**
     * @param postgres whether the database is PostgreSQL (advisory locks) rather than H2 (row locks)
     * @return per message, per endpoint (in {@code endpointIds} order), what happened
     */
    static List<List<EnqueueResult>> enqueue(Connection connection, List<NewMessage> messages, List<String> endpointIds, long nowMillis,
            boolean postgres) throws SQLException {
        return enqueue(connection, messages, endpointIds, nowMillis, postgres, false);
    }

    /**
     * @param fanOut the endpoints are a type's subscribers, read before the lock (H2; see {@link FanOutSql}): one
     *     deleted since is left out (a send that names an endpoint that does not exist fails instead)
     */
    static List<List<EnqueueResult>> enqueue(Connection connection, List<NewMessage> messages, List<String> endpointIds, long nowMillis,
            boolean postgres, boolean fanOut) throws SQLException {
        List<String> endpoints = new ArrayList<>(new LinkedHashSet<>(endpointIds));
        Map<String, Boolean> enabled = new HashMap<>();
        // Sorted, so two sends to overlapping endpoint sets lock in the same order.
        TreeSet<String> sorted = new TreeSet<>(endpoints);
        Map<String, EnqueueResult> byEndpointAndKey;
        if (postgres) {
            byEndpointAndKey = lockAndRead(connection, sorted, messages, enabled);
        } else {
            try (PreparedStatement select = connection.prepareStatement("SELECT id, enabled FROM endure_endpoint WHERE id IN ("
                    + ClaimSql.marks(sorted.size()) + ") ORDER BY id FOR UPDATE")) {
                ClaimSql.bind(select, 1, sorted);
                readEnabled(select.executeQuery(), enabled);
            }
            byEndpointAndKey = existingKeys(connection, messages, endpoints);
        }
        if (fanOut) {
            endpoints.removeIf(endpointId -> !enabled.containsKey(endpointId));
        }
        for (String endpointId : endpoints) {
            if (!enabled.containsKey(endpointId)) {
                throw new IllegalArgumentException("unknown endpoint " + endpointId + " for message " + messages.get(0).id()
                        + (messages.size() > 1 ? " (and " + (messages.size() - 1) + " more in the batch)" : ""));
            }
        }
        return write(connection, messages, endpoints, enabled, byEndpointAndKey, nowMillis, postgres);
    }

    /**
     * The writing half of a send, once its endpoints are locked and read: per message and endpoint a duplicate (its key
     * is in {@code byEndpointAndKey}) or a new delivery, held if the endpoint is disabled; then the new messages and
     * deliveries are inserted (PostgreSQL: both in one round trip).
     */
    static List<List<EnqueueResult>> write(Connection connection, List<NewMessage> messages, List<String> endpoints,
            Map<String, Boolean> enabled, Map<String, EnqueueResult> byEndpointAndKey, long nowMillis, boolean postgres) throws SQLException {
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
        if (postgres) {
            insertAll(connection, newMessages, newDeliveries, nowMillis);
            return results;
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

    /**
     * PostgreSQL, one round trip: the new messages (each unless stored already: sent to other endpoints before) and the
     * new deliveries, each table's rows as one statement over arrays, in the order given (deliveries take their
     * per-endpoint {@code seq} from it).
     *
     * <p>A message stored already is skipped by {@code ON CONFLICT (id) DO NOTHING}, a probe of the primary key that no
     * plan can turn into a scan. It used to be a {@code NOT EXISTS} anti-join, and a server-side prepared statement keeps
     * the generic plan made while the table was empty: a hash anti-join over a sequential scan of every stored message,
     * 8.5 ms per send at 35,000 messages (the library's single send fell from 808 to 266 msg/s as the table grew).
     */
    private static void insertAll(Connection connection, List<NewMessage> newMessages, List<Object[]> newDeliveries, long nowMillis)
            throws SQLException {
        if (newDeliveries.isEmpty()) {
            return;
        }
        String sql = (newMessages.isEmpty() ? "" : "INSERT INTO endure_message (id, event_type, payload, idempotency_key, created_at)"
                + " SELECT m.id, m.event_type, m.payload, m.idempotency_key, ? FROM unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[])"
                + " WITH ORDINALITY AS m(id, event_type, payload, idempotency_key, n) ORDER BY m.n ON CONFLICT (id) DO NOTHING; ")
                + "INSERT INTO endure_delivery (id, message_id, endpoint_id, idempotency_key, state, attempts, next_attempt_at, fencing_token,"
                + " created_at) SELECT d.id, d.message_id, d.endpoint_id, d.idempotency_key, d.state, 0, ?, 0, ? FROM unnest(?::varchar[],"
                + " ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[]) WITH ORDINALITY AS d(id, message_id, endpoint_id, idempotency_key,"
                + " state, n) ORDER BY d.n";
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            int next = 1;
            if (!newMessages.isEmpty()) {
                insert.setLong(next++, nowMillis);
                next = bindColumns(connection, insert, next, newMessages.size(), 4, (row, column) -> {
                    NewMessage message = newMessages.get(row);
                    return switch (column) {
                        case 0 -> message.id();
                        case 1 -> message.eventType();
                        case 2 -> message.payload();
                        default -> message.idempotencyKey();
                    };
                });
            }
            insert.setLong(next++, nowMillis);
            insert.setLong(next++, nowMillis);
            bindColumns(connection, insert, next, newDeliveries.size(), 5, (row, column) -> (String) newDeliveries.get(row)[column]);
            insert.execute();
        }
    }

    /** Binds {@code columns} varchar arrays of {@code rows} values each from {@code first} on; the next parameter index. */
    private static int bindColumns(Connection connection, PreparedStatement statement, int first, int rows, int columns,
            java.util.function.BiFunction<Integer, Integer, String> value) throws SQLException {
        for (int column = 0; column < columns; column++) {
            String[] values = new String[rows];
            for (int row = 0; row < rows; row++) {
                values[row] = value.apply(row, column);
            }
            statement.setArray(first + column, connection.createArrayOf("varchar", values));
        }
        return first + columns;
    }

    /**
     * PostgreSQL, one round trip: the shared advisory lock on every endpoint (in id order), then, each with a snapshot
     * taken after the lock is held, the endpoints' enabled flags and the deliveries that already carry the batch's keys.
     */
    private static Map<String, EnqueueResult> lockAndRead(Connection connection, TreeSet<String> endpoints, List<NewMessage> messages,
            Map<String, Boolean> enabled) throws SQLException {
        List<String> keys = new ArrayList<>(new LinkedHashSet<>(messages.stream().map(NewMessage::idempotencyKey)
                .filter(java.util.Objects::nonNull).toList()));
        String sql = "SELECT pg_advisory_xact_lock_shared(" + LOCK_CLASS + ", hashtext(id)) FROM unnest(?::varchar[]) AS t(id);"
                + " SELECT id, enabled FROM endure_endpoint WHERE id = ANY(?::varchar[])"
                + (keys.isEmpty() ? "" : "; SELECT d.endpoint_id, d.idempotency_key, d.id, d.message_id, d.state FROM " + KEYED);
        Map<String, EnqueueResult> found = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            java.sql.Array ids = connection.createArrayOf("varchar", endpoints.toArray());
            statement.setArray(1, ids);
            statement.setArray(2, ids);
            if (!keys.isEmpty()) {
                statement.setArray(3, ids);
                statement.setArray(4, connection.createArrayOf("varchar", keys.toArray()));
            }
            statement.execute(); // the locks
            statement.getMoreResults();
            readEnabled(statement.getResultSet(), enabled);
            if (!keys.isEmpty()) {
                statement.getMoreResults();
                readKeys(statement.getResultSet(), found);
            }
        }
        return found;
    }

    static void readEnabled(ResultSet rows, Map<String, Boolean> into) throws SQLException {
        try (rows) {
            while (rows.next()) {
                into.put(rows.getString(1), rows.getBoolean(2));
            }
        }
    }

    private static void readKeys(ResultSet rows, Map<String, EnqueueResult> into) throws SQLException {
        try (rows) {
            while (rows.next()) {
                into.put(rows.getString(1) + '\n' + rows.getString(2), new EnqueueResult(rows.getString(1), true, rows.getString(3),
                        rows.getString(4), DeliveryState.valueOf(rows.getString(5))));
            }
        }
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
                readKeys(select.executeQuery(), found);
            }
        }
        return found;
    }
}
