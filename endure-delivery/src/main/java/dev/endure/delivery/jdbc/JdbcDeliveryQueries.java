package dev.endure.delivery.jdbc;

import dev.endure.delivery.Delivery;
import dev.endure.delivery.DeliveryPage;
import dev.endure.delivery.spi.DeliveryQueries;
import dev.endure.delivery.DeliveryQuery;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.StoredMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * {@link DeliveryQueries} on the JDBC store's schema: list deliveries with filters and a keyset cursor,
 * read a stored message, look up an idempotency key. Read-only (the writes an operator needs are on
 * {@link JdbcDeliveryStore}); each method is one short transaction.
 */
public final class JdbcDeliveryQueries implements DeliveryQueries {

    private final DataSource dataSource;

    public JdbcDeliveryQueries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Deliveries newest first, filtered, one page at a time. */
    @Override
    public DeliveryPage deliveries(DeliveryQuery query) {
        StringBuilder sql = new StringBuilder("SELECT d.seq, d.id, d.message_id, d.endpoint_id, d.idempotency_key, d.state, d.attempts,"
                + " d.next_attempt_at, d.window_start, d.fencing_token, d.lease_owner, d.lease_until, d.created_at, d.finished_at,"
                + " d.terminal_reason, d.last_status, d.last_error, m.event_type"
                + " FROM endure_delivery d JOIN endure_message m ON m.id = d.message_id WHERE 1 = 1");
        List<Object> parameters = new ArrayList<>();
        if (query.endpointId() != null) {
            sql.append(" AND d.endpoint_id = ?");
            parameters.add(query.endpointId());
        }
        if (query.state() != null) {
            sql.append(" AND d.state = ?");
            parameters.add(query.state().name());
        }
        if (query.eventType() != null) {
            sql.append(" AND m.event_type = ?");
            parameters.add(query.eventType());
        }
        if (query.createdSince() != null) {
            sql.append(" AND d.created_at >= ?");
            parameters.add(query.createdSince().toEpochMilli());
        }
        if (query.beforeSeq() != null) {
            sql.append(" AND d.seq < ?");
            parameters.add(query.beforeSeq());
        }
        // One row more than asked tells whether another page exists without a COUNT.
        sql.append(" ORDER BY d.seq DESC LIMIT ").append(query.limit() + 1);
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql.toString())) {
            for (int i = 0; i < parameters.size(); i++) {
                select.setObject(i + 1, parameters.get(i));
            }
            List<DeliveryPage.DeliveryRow> rows = new ArrayList<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    Delivery delivery = new Delivery(row.getString(2), row.getString(3), row.getString(4), row.getString(5),
                            DeliveryState.valueOf(row.getString(6)), row.getInt(7), instant(row, 8), instant(row, 9), row.getLong(10),
                            row.getString(11), instant(row, 12), instant(row, 13), instant(row, 14), row.getString(15), integer(row, 16),
                            row.getString(17));
                    rows.add(new DeliveryPage.DeliveryRow(row.getLong(1), delivery, row.getString(18)));
                }
            }
            if (rows.size() > query.limit()) {
                rows = rows.subList(0, query.limit());
                return new DeliveryPage(List.copyOf(rows), rows.get(rows.size() - 1).seq());
            }
            return new DeliveryPage(List.copyOf(rows), null);
        } catch (SQLException e) {
            throw new JdbcStoreException("listing deliveries failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<StoredMessage> message(String id) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT id, event_type, payload, idempotency_key, created_at FROM endure_message WHERE id = ?")) {
            select.setString(1, id);
            try (ResultSet row = select.executeQuery()) {
                return row.next()
                        ? Optional.of(new StoredMessage(row.getString(1), row.getString(2), row.getString(3), row.getString(4), instant(row, 5)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw new JdbcStoreException("reading message " + id + " failed: " + e.getMessage(), e);
        }
    }

    /** The message an endpoint's delivery with this idempotency key belongs to, if one exists. */
    @Override
    public Optional<String> messageIdForIdempotencyKey(String endpointId, String idempotencyKey) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT message_id FROM endure_delivery WHERE endpoint_id = ? AND idempotency_key = ?")) {
            select.setString(1, endpointId);
            select.setString(2, idempotencyKey);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new JdbcStoreException("looking up an idempotency key of endpoint " + endpointId + " failed: " + e.getMessage(), e);
        }
    }

    /** Whether the database answers a trivial query within {@code timeoutSeconds}. */
    @Override
    public boolean answers(int timeoutSeconds) {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(timeoutSeconds);
        } catch (SQLException e) {
            return false;
        }
    }

    private static Instant instant(ResultSet row, int column) throws SQLException {
        long millis = row.getLong(column);
        return row.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    private static Integer integer(ResultSet row, int column) throws SQLException {
        int value = row.getInt(column);
        return row.wasNull() ? null : value;
    }
}
