package dev.endure.delivery.jdbc;

import dev.endure.delivery.Endpoint;
import dev.endure.delivery.EventType;
import dev.endure.delivery.EventTypeException;
import dev.endure.delivery.spi.EventTypeStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * {@link EventTypeStore} on the delivery store's database (tables {@code endure_event_type} and
 * {@code endure_subscription}, migration V5). Portable between PostgreSQL and H2.
 */
final class JdbcEventTypes implements EventTypeStore {

    private static final String COLUMNS = "name, description, payload_schema, archived, created_at, updated_at";
    /** The endpoints that take one event type (the parameter): subscribed to it, or to no type in particular (every type). */
    static final String SUBSCRIBERS = "SELECT e.id FROM endure_endpoint e WHERE"
            + " (NOT EXISTS (SELECT 1 FROM endure_subscription s WHERE s.endpoint_id = e.id)"
            + " OR EXISTS (SELECT 1 FROM endure_subscription s WHERE s.endpoint_id = e.id AND s.event_type = ?)) ORDER BY e.id";

    private final DataSource dataSource;
    private final JdbcDeliveryStore deliveries;

    JdbcEventTypes(DataSource dataSource, JdbcDeliveryStore deliveries) {
        this.dataSource = dataSource;
        this.deliveries = deliveries;
    }

    @Override
    public void createEventType(EventType eventType) {
        try {
            JdbcTransactions.inTransaction(dataSource, connection -> {
                try (PreparedStatement insert = connection.prepareStatement("INSERT INTO endure_event_type (" + COLUMNS
                        + ") VALUES (?, ?, ?, ?, ?, ?)")) {
                    insert.setString(1, eventType.name());
                    insert.setString(2, eventType.description());
                    insert.setString(3, eventType.payloadSchema());
                    insert.setBoolean(4, eventType.archived());
                    insert.setLong(5, eventType.createdAt().toEpochMilli());
                    insert.setLong(6, eventType.updatedAt().toEpochMilli());
                    return insert.executeUpdate();
                }
            });
        } catch (JdbcStoreException e) {
            if (e.getCause() instanceof SQLException sql && JdbcDeliveryStore.isUniqueViolation(sql)) {
                throw new EventTypeException(EventTypeException.Kind.EXISTS, eventType.name());
            }
            throw e;
        }
    }

    @Override
    public Optional<EventType> eventType(String name) {
        return select(" WHERE name = ?", name).stream().findFirst();
    }

    @Override
    public List<EventType> eventTypes(boolean includeArchived) {
        return select(includeArchived ? " ORDER BY name" : " WHERE archived = FALSE ORDER BY name", null);
    }

    private List<EventType> select(String where, String parameter) {
        return JdbcTransactions.inTransaction(dataSource, connection -> {
            List<EventType> found = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT " + COLUMNS + " FROM endure_event_type" + where)) {
                if (parameter != null) {
                    select.setString(1, parameter);
                }
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        found.add(new EventType(row.getString(1), row.getString(2), row.getString(3), row.getBoolean(4),
                                Instant.ofEpochMilli(row.getLong(5)), Instant.ofEpochMilli(row.getLong(6))));
                    }
                }
            }
            return found;
        });
    }

    @Override
    public boolean archiveEventType(String name, Instant now) {
        return JdbcTransactions.inTransaction(dataSource, connection -> {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE endure_event_type SET archived = TRUE, updated_at = ? WHERE name = ? AND archived = FALSE")) {
                update.setLong(1, now.toEpochMilli());
                update.setString(2, name);
                return update.executeUpdate() == 1;
            }
        });
    }

    @Override
    public void createEndpoint(Endpoint endpoint, Set<String> eventTypes, Instant now) {
        JdbcTransactions.inTransaction(dataSource, connection -> {
            deliveries.insertEndpoint(connection, endpoint, now);
            insertSubscriptions(connection, endpoint.id(), eventTypes);
            return null;
        });
    }

    @Override
    public Set<String> subscriptions(String endpointId) {
        return JdbcTransactions.inTransaction(dataSource, connection -> {
            Set<String> types = new TreeSet<>();
            try (PreparedStatement select = connection.prepareStatement(
                    "SELECT event_type FROM endure_subscription WHERE endpoint_id = ?")) {
                select.setString(1, endpointId);
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        types.add(row.getString(1));
                    }
                }
            }
            return types;
        });
    }

    @Override
    public Map<String, Set<String>> subscriptions() {
        return JdbcTransactions.inTransaction(dataSource, connection -> {
            Map<String, Set<String>> byEndpoint = new TreeMap<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT endpoint_id, event_type FROM endure_subscription");
                    ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    byEndpoint.computeIfAbsent(row.getString(1), id -> new TreeSet<>()).add(row.getString(2));
                }
            }
            return byEndpoint;
        });
    }

    @Override
    public void subscribe(String endpointId, Set<String> eventTypes) {
        JdbcTransactions.inTransaction(dataSource, connection -> {
            // Locks the endpoint row: two concurrent changes of one subscription apply one after the other.
            try (PreparedStatement lock = connection.prepareStatement("SELECT id FROM endure_endpoint WHERE id = ? FOR UPDATE")) {
                lock.setString(1, endpointId);
                try (ResultSet row = lock.executeQuery()) {
                    if (!row.next()) {
                        throw new IllegalArgumentException("unknown endpoint " + endpointId);
                    }
                }
            }
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM endure_subscription WHERE endpoint_id = ?")) {
                delete.setString(1, endpointId);
                delete.executeUpdate();
            }
            insertSubscriptions(connection, endpointId, eventTypes);
            return null;
        });
    }

    private static void insertSubscriptions(Connection connection, String endpointId, Collection<String> eventTypes) throws SQLException {
        if (eventTypes.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO endure_subscription (endpoint_id, event_type) VALUES (?, ?)")) {
            for (String eventType : new LinkedHashSet<>(eventTypes)) {
                insert.setString(1, endpointId);
                insert.setString(2, eventType);
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    @Override
    public List<String> subscribers(String eventType) {
        return JdbcTransactions.inTransaction(dataSource, connection -> {
            List<String> ids = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(SUBSCRIBERS)) {
                select.setString(1, eventType);
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        ids.add(row.getString(1));
                    }
                }
            }
            return ids;
        });
    }

    @Override
    public Optional<String> messageIdForIdempotencyKey(String idempotencyKey) {
        return JdbcTransactions.inTransaction(dataSource, connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT id FROM endure_message WHERE idempotency_key = ?"
                    + " ORDER BY created_at DESC, id DESC LIMIT 1")) {
                select.setString(1, idempotencyKey);
                try (ResultSet row = select.executeQuery()) {
                    return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
                }
            }
        });
    }
}
