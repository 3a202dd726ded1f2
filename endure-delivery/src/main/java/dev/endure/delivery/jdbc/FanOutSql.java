package dev.endure.delivery.jdbc;

import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.EnqueueResult;
import dev.endure.delivery.EventTypeException;
import dev.endure.delivery.FanOutResult;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a send reads inside its transaction before {@link EnqueueSql} stores it, for a fan-out send and for a checked send
 * that names its endpoints alike: the event type's row (a send names a type that is in the catalogue and not archived; a
 * server may have cached the type, so this is the check that refuses a type another server archived), the earlier sends
 * with the group's idempotency keys, and the endpoints. A fan-out send takes the endpoints that take the type, and a
 * repeated key repeats the whole send (the answer is the latest earlier message, with its deliveries). A named send takes
 * the endpoints named; it also reads which of them do not exist and which do not take the type (each with the types it
 * takes), and a key repeats per endpoint (the earlier delivery with the earlier message's body, so a key reused for another
 * body is refused before anything is written). On PostgreSQL it is one round trip, which also takes the send's shared lock
 * on each endpoint and then reads whether each is enabled, so the send's next round trip only inserts.
 */
final class FanOutSql {

    /** A delivery that already carries a named send's key for its endpoint, with its message's event type and payload. */
    record Earlier(EnqueueResult delivery, String eventType, String payload) {}

    /**
     * The messages sent before with a key, by key (fan-out); the endpoints that take the type, or the named ones that exist
     * (by id); where those endpoints are already locked for the send, whether each is enabled (null on H2 for a fan-out:
     * {@link EnqueueSql} locks and reads them); for a named send, the named endpoints that do not take the type with the
     * types they take, and the earlier deliveries by "endpoint\nkey".
     */
    record Before(Map<String, FanOutResult> earlierByKey, List<String> subscribers, Map<String, Boolean> enabled,
            Map<String, Set<String>> unsubscribed, Map<String, Earlier> earlierByEndpointKey) {}

    private static final String TYPE = "SELECT archived FROM endure_event_type WHERE name = ?";
    private static final String EARLIER = "SELECT m.idempotency_key, m.id, d.endpoint_id, d.id, d.state FROM endure_message m"
            + " LEFT JOIN endure_delivery d ON d.message_id = m.id WHERE m.idempotency_key ";
    private static final String EARLIER_ORDER = " ORDER BY m.created_at DESC, m.id DESC, d.seq";
    /**
     * PostgreSQL: {@link #EARLIER} for an array of keys, as per-key probes of the key index (the newest message of each
     * key, {@code LIMIT 1}) and of the deliveries' message index ({@code OFFSET 0} keeps the subquery from being flattened
     * into a join). A lateral probe cannot become a hash join, so no plan reads a whole table; the plain join's generic
     * plan, made while the tables were empty and kept by the server-side prepared statement, scanned every stored
     * message on every keyed send.
     */
    private static final String EARLIER_PROBES = "SELECT m.idempotency_key, m.id, d.endpoint_id, d.id, d.state FROM unnest(?::varchar[]) AS k(key)"
            + " CROSS JOIN LATERAL (SELECT x.id, x.idempotency_key, x.created_at FROM endure_message x WHERE x.idempotency_key = k.key"
            + " ORDER BY x.created_at DESC, x.id DESC LIMIT 1) m LEFT JOIN LATERAL (SELECT y.endpoint_id, y.id, y.state, y.seq"
            + " FROM endure_delivery y WHERE y.message_id = m.id OFFSET 0) d ON TRUE" + EARLIER_ORDER;
    /** PostgreSQL: a send's shared lock on each subscriber, in id order (see {@link EnqueueSql}); the ids locked. */
    private static final String LOCK_SUBSCRIBERS = "SELECT s.id, pg_advisory_xact_lock_shared(" + EnqueueSql.LOCK_CLASS
            + ", hashtext(s.id)) FROM (" + JdbcEventTypes.SUBSCRIBERS + ") s";
    /** PostgreSQL: the subscribers' enabled flags, read (with its own snapshot) once the locks are held. */
    private static final String ENABLED = "SELECT id, enabled FROM endure_endpoint WHERE id IN (" + JdbcEventTypes.SUBSCRIBERS + ")";
    /** PostgreSQL: a named send's shared lock on each endpoint, in the (sorted) order of the array. */
    private static final String LOCK_NAMED = "SELECT t.id, pg_advisory_xact_lock_shared(" + EnqueueSql.LOCK_CLASS
            + ", hashtext(t.id)) FROM unnest(?::varchar[]) WITH ORDINALITY AS t(id, n) ORDER BY t.n";
    /** The subscriptions of the named endpoints that do not take the type (endpoint ids then the type follow). */
    private static final String UNSUBSCRIBED = "SELECT s.endpoint_id, s.event_type FROM endure_subscription s WHERE s.endpoint_id ";
    private static final String UNSUBSCRIBED_TAIL = " AND NOT EXISTS (SELECT 1 FROM endure_subscription t"
            + " WHERE t.endpoint_id = s.endpoint_id AND t.event_type = ?)";
    /** The deliveries that carry the keys on the named endpoints, with their messages' bodies. */
    private static final String EARLIER_COLUMNS = "SELECT d.endpoint_id, d.idempotency_key, d.id, d.message_id, d.state, m.event_type,"
            + " m.payload FROM ";
    private static final String EARLIER_DELIVERIES = EARLIER_COLUMNS + "endure_delivery d JOIN endure_message m ON m.id = d.message_id"
            + " WHERE d.endpoint_id ";

    private FanOutSql() {}

    /** A fan-out send's read: {@link #read(Connection, String, List, List, boolean)} to the type's subscribers. */
    static Before read(Connection connection, String eventType, List<String> keys, boolean postgres) throws SQLException {
        return read(connection, eventType, null, keys, postgres);
    }

    /**
     * PostgreSQL, one round trip: the type's row, the shared lock on every endpoint, then their enabled flags, (named) the
     * named endpoints' other subscriptions, and the earlier sends of the keys. A subscriber that appears between the lock
     * and the read is left out (this send comes before it), as is one deleted in between.
     *
     * @param named the endpoints a send names (distinct), or null for the type's subscribers
     * @throws EventTypeException if the type is not in the catalogue or is archived
     */
    static Before read(Connection connection, String eventType, List<String> named, List<String> keys, boolean postgres) throws SQLException {
        Map<String, FanOutResult> earlier = new HashMap<>();
        Map<String, Earlier> earlierDeliveries = new HashMap<>();
        Map<String, Set<String>> unsubscribed = new TreeMap<>();
        List<String> endpoints = new ArrayList<>();
        Map<String, Boolean> enabled = new HashMap<>();
        List<String> sorted = named == null ? null : new ArrayList<>(new TreeSet<>(named));
        if (postgres) {
            String sql = TYPE + "; " + (named == null ? LOCK_SUBSCRIBERS + "; " + ENABLED
                    : LOCK_NAMED + "; SELECT id, enabled FROM endure_endpoint WHERE id = ANY(?::varchar[]); "
                            + UNSUBSCRIBED + "= ANY(?::varchar[])" + UNSUBSCRIBED_TAIL)
                    + (keys.isEmpty() ? "" : named == null ? "; " + EARLIER_PROBES
                            : "; " + EARLIER_COLUMNS + EnqueueSql.KEYED + " CROSS JOIN LATERAL (SELECT z.event_type, z.payload"
                                    + " FROM endure_message z WHERE z.id = d.message_id LIMIT 1) m");
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                int next = 1;
                statement.setString(next++, eventType);
                if (named == null) {
                    statement.setString(next++, eventType);
                    statement.setString(next++, eventType);
                } else {
                    java.sql.Array ids = connection.createArrayOf("varchar", sorted.toArray());
                    statement.setArray(next++, ids);
                    statement.setArray(next++, ids);
                    statement.setArray(next++, ids);
                    statement.setString(next++, eventType);
                    if (!keys.isEmpty()) {
                        statement.setArray(next++, ids);
                    }
                }
                if (!keys.isEmpty()) {
                    statement.setArray(next, connection.createArrayOf("varchar", keys.toArray()));
                }
                statement.execute();
                checkType(statement.getResultSet(), eventType);
                statement.getMoreResults();
                List<String> locked = new ArrayList<>();
                readIds(statement.getResultSet(), locked);
                statement.getMoreResults();
                EnqueueSql.readEnabled(statement.getResultSet(), enabled);
                if (named != null) {
                    statement.getMoreResults();
                    readSubscriptions(statement.getResultSet(), unsubscribed);
                }
                if (!keys.isEmpty()) {
                    statement.getMoreResults();
                    if (named == null) {
                        readEarlier(statement.getResultSet(), earlier);
                    } else {
                        readEarlierDeliveries(statement.getResultSet(), earlierDeliveries);
                    }
                }
                locked.stream().filter(enabled::containsKey).forEach(endpoints::add);
            }
            return new Before(earlier, endpoints, enabled, unsubscribed, earlierDeliveries);
        }
        try (PreparedStatement type = connection.prepareStatement(TYPE)) {
            type.setString(1, eventType);
            checkType(type.executeQuery(), eventType);
        }
        if (named == null) {
            try (PreparedStatement select = connection.prepareStatement(JdbcEventTypes.SUBSCRIBERS)) {
                select.setString(1, eventType);
                readIds(select.executeQuery(), endpoints);
            }
            for (List<String> chunk : ClaimSql.chunks(keys)) {
                try (PreparedStatement select = connection.prepareStatement(EARLIER + "IN (" + ClaimSql.marks(chunk.size()) + ")" + EARLIER_ORDER)) {
                    ClaimSql.bind(select, 1, chunk);
                    readEarlier(select.executeQuery(), earlier);
                }
            }
            return new Before(earlier, endpoints, null, unsubscribed, earlierDeliveries);
        }
        // H2: the named endpoints' rows locked (see EnqueueSql), then the reads.
        String marks = ClaimSql.marks(sorted.size());
        try (PreparedStatement select = connection.prepareStatement("SELECT id, enabled FROM endure_endpoint WHERE id IN (" + marks
                + ") ORDER BY id FOR UPDATE")) {
            ClaimSql.bind(select, 1, sorted);
            EnqueueSql.readEnabled(select.executeQuery(), enabled);
        }
        try (PreparedStatement select = connection.prepareStatement(UNSUBSCRIBED + "IN (" + marks + ")" + UNSUBSCRIBED_TAIL)) {
            select.setString(ClaimSql.bind(select, 1, sorted), eventType);
            readSubscriptions(select.executeQuery(), unsubscribed);
        }
        for (List<String> chunk : ClaimSql.chunks(keys)) {
            try (PreparedStatement select = connection.prepareStatement(EARLIER_DELIVERIES + "IN (" + marks + ") AND d.idempotency_key IN ("
                    + ClaimSql.marks(chunk.size()) + ")")) {
                ClaimSql.bind(select, ClaimSql.bind(select, 1, sorted), chunk);
                readEarlierDeliveries(select.executeQuery(), earlierDeliveries);
            }
        }
        sorted.stream().filter(enabled::containsKey).forEach(endpoints::add);
        return new Before(earlier, endpoints, enabled, unsubscribed, earlierDeliveries);
    }

    private static void readSubscriptions(ResultSet rows, Map<String, Set<String>> into) throws SQLException {
        try (rows) {
            while (rows.next()) {
                into.computeIfAbsent(rows.getString(1), id -> new TreeSet<>()).add(rows.getString(2));
            }
        }
    }

    private static void readEarlierDeliveries(ResultSet rows, Map<String, Earlier> into) throws SQLException {
        try (rows) {
            while (rows.next()) {
                EnqueueResult delivery = new EnqueueResult(rows.getString(1), true, rows.getString(3), rows.getString(4),
                        DeliveryState.valueOf(rows.getString(5)));
                into.put(rows.getString(1) + '\n' + rows.getString(2), new Earlier(delivery, rows.getString(6), rows.getString(7)));
            }
        }
    }

    private static void checkType(ResultSet row, String eventType) throws SQLException {
        try (row) {
            if (!row.next()) {
                throw new EventTypeException(EventTypeException.Kind.UNKNOWN, eventType);
            }
            if (row.getBoolean(1)) {
                throw new EventTypeException(EventTypeException.Kind.ARCHIVED, eventType);
            }
        }
    }

    private static void readIds(ResultSet rows, List<String> into) throws SQLException {
        try (rows) {
            while (rows.next()) {
                into.add(rows.getString(1));
            }
        }
    }

    /** Per key, the newest message that carries it (rows come newest first) and its deliveries, as duplicates. */
    private static void readEarlier(ResultSet rows, Map<String, FanOutResult> into) throws SQLException {
        Map<String, String> newest = new LinkedHashMap<>();
        Map<String, List<EnqueueResult>> deliveries = new HashMap<>();
        try (rows) {
            while (rows.next()) {
                String key = rows.getString(1);
                String messageId = rows.getString(2);
                if (!newest.computeIfAbsent(key, k -> messageId).equals(messageId)) {
                    continue; // an older message with the same key
                }
                List<EnqueueResult> forKey = deliveries.computeIfAbsent(key, k -> new ArrayList<>());
                if (rows.getString(3) != null) {
                    forKey.add(new EnqueueResult(rows.getString(3), true, rows.getString(4), messageId, DeliveryState.valueOf(rows.getString(5))));
                }
            }
        }
        newest.forEach((key, messageId) -> into.put(key, new FanOutResult(messageId, true, deliveries.get(key))));
    }
}
