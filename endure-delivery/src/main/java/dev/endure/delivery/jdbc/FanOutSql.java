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

/**
 * What a fan-out send reads inside its transaction before {@link EnqueueSql} stores it: the event type's row (a
 * send names a type that is in the catalogue and not archived; a server may have cached the type, so this is the
 * check that refuses a type another server archived), the messages already sent with the group's idempotency keys
 * (a repeated key repeats the whole send: the answer is the latest earlier message, with its deliveries), and the
 * endpoints that take the type. On PostgreSQL the same round trip also takes the send's shared lock on each of
 * those endpoints and then reads whether each is enabled, so the send's next round trip only inserts.
 */
final class FanOutSql {

    /**
     * The messages sent before with a key, by key; the endpoints that take the type (by id); and, on PostgreSQL, where
     * those endpoints are already locked for the send, whether each is enabled (null on H2: {@link EnqueueSql} locks and reads them).
     */
    record Before(Map<String, FanOutResult> earlierByKey, List<String> subscribers, Map<String, Boolean> enabled) {}

    private static final String TYPE = "SELECT archived FROM endure_event_type WHERE name = ?";
    private static final String EARLIER = "SELECT m.idempotency_key, m.id, d.endpoint_id, d.id, d.state FROM endure_message m"
            + " LEFT JOIN endure_delivery d ON d.message_id = m.id WHERE m.idempotency_key ";
    private static final String EARLIER_ORDER = " ORDER BY m.created_at DESC, m.id DESC, d.seq";
    /** PostgreSQL: a send's shared lock on each subscriber, in id order (see {@link EnqueueSql}); the ids locked. */
    private static final String LOCK_SUBSCRIBERS = "SELECT s.id, pg_advisory_xact_lock_shared(" + EnqueueSql.LOCK_CLASS
            + ", hashtext(s.id)) FROM (" + JdbcEventTypes.SUBSCRIBERS + ") s";
    /** PostgreSQL: the subscribers' enabled flags, read (with its own snapshot) once the locks are held. */
    private static final String ENABLED = "SELECT id, enabled FROM endure_endpoint WHERE id IN (" + JdbcEventTypes.SUBSCRIBERS + ")";

    private FanOutSql() {}

    /**
     * PostgreSQL, one round trip: the type's row, the earlier messages of the keys, the shared lock on every subscriber,
     * then their enabled flags. An endpoint that appears between the lock and the read is left out (this send comes
     * before it), as is one deleted in between.
     *
     * @throws EventTypeException if the type is not in the catalogue or is archived
     */
    static Before read(Connection connection, String eventType, List<String> keys, boolean postgres) throws SQLException {
        Map<String, FanOutResult> earlier = new HashMap<>();
        List<String> subscribers = new ArrayList<>();
        if (postgres) {
            String sql = TYPE + "; " + LOCK_SUBSCRIBERS + "; " + ENABLED
                    + (keys.isEmpty() ? "" : "; " + EARLIER + "= ANY(?::varchar[])" + EARLIER_ORDER);
            Map<String, Boolean> enabled = new HashMap<>();
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                statement.setString(1, eventType);
                statement.setString(2, eventType);
                statement.setString(3, eventType);
                if (!keys.isEmpty()) {
                    statement.setArray(4, connection.createArrayOf("varchar", keys.toArray()));
                }
                statement.execute();
                checkType(statement.getResultSet(), eventType);
                statement.getMoreResults();
                List<String> locked = new ArrayList<>();
                readIds(statement.getResultSet(), locked);
                statement.getMoreResults();
                EnqueueSql.readEnabled(statement.getResultSet(), enabled);
                if (!keys.isEmpty()) {
                    statement.getMoreResults();
                    readEarlier(statement.getResultSet(), earlier);
                }
                locked.stream().filter(enabled::containsKey).forEach(subscribers::add);
            }
            return new Before(earlier, subscribers, enabled);
        }
        try (PreparedStatement type = connection.prepareStatement(TYPE)) {
            type.setString(1, eventType);
            checkType(type.executeQuery(), eventType);
        }
        try (PreparedStatement select = connection.prepareStatement(JdbcEventTypes.SUBSCRIBERS)) {
            select.setString(1, eventType);
            readIds(select.executeQuery(), subscribers);
        }
        for (List<String> chunk : ClaimSql.chunks(keys)) {
            try (PreparedStatement select = connection.prepareStatement(EARLIER + "IN (" + ClaimSql.marks(chunk.size()) + ")" + EARLIER_ORDER)) {
                ClaimSql.bind(select, 1, chunk);
                readEarlier(select.executeQuery(), earlier);
            }
        }
        return new Before(earlier, subscribers, null);
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
