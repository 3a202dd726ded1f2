package dev.endure.delivery.jdbc;

import dev.endure.delivery.Attempt;
import dev.endure.delivery.AttemptOutcome;
import dev.endure.delivery.Delivery;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.EndpointAttemptStats;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/** The delivery store's reads of deliveries, attempts and endpoint statistics (for {@link JdbcDeliveryStore}). */
final class JdbcDeliveryReads {

    private final DataSource dataSource;

    JdbcDeliveryReads(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    private static final String DELIVERY_COLUMNS = "id, message_id, endpoint_id, idempotency_key, state, attempts, next_attempt_at,"
            + " window_start, fencing_token, lease_owner, lease_until, created_at, finished_at, terminal_reason, last_status, last_error";

    Optional<Delivery> delivery(String id) {
        return JdbcTransactions.autoCommit(dataSource, connection -> queryDeliveries(connection, "id = ?", id)).stream().findFirst();
    }

    List<Delivery> deliveriesOfMessage(String messageId) {
        return JdbcTransactions.autoCommit(dataSource, connection -> queryDeliveries(connection, "message_id = ?", messageId));
    }

    List<Attempt> attempts(String deliveryId) {
        return JdbcTransactions.inTransaction(dataSource, connection -> {
            List<Attempt> attempts = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement("SELECT delivery_id, endpoint_id, attempt_number, fencing_token,"
                    + " started_at, latency_ms, http_status, error_text, response_snippet, outcome, next_attempt_at, terminal_reason"
                    + " FROM endure_attempt WHERE delivery_id = ? ORDER BY id")) {
                select.setString(1, deliveryId);
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        attempts.add(new Attempt(row.getString(1), row.getString(2), row.getInt(3), row.getLong(4), instant(row, 5),
                                Duration.ofMillis(row.getLong(6)), integer(row, 7), row.getString(8), row.getString(9),
                                AttemptOutcome.valueOf(row.getString(10)), instant(row, 11), row.getString(12)));
                    }
                }
            }
            return attempts;
        });
    }

    Map<DeliveryState, Long> countsByState() {
        return JdbcTransactions.inTransaction(dataSource, connection -> {
            Map<DeliveryState, Long> counts = new EnumMap<>(DeliveryState.class);
            for (DeliveryState state : DeliveryState.values()) {
                counts.put(state, 0L);
            }
            try (PreparedStatement select = connection.prepareStatement("SELECT state, COUNT(*) FROM endure_delivery GROUP BY state");
                    ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    counts.put(DeliveryState.valueOf(rows.getString(1)), rows.getLong(2));
                }
            }
            return counts;
        });
    }

    /** One statement without a transaction of its own (a failed attempt asks for this, so it stays cheap). */
    EndpointAttemptStats endpointStats(String endpointId, Instant since) {
        return JdbcTransactions.autoCommit(dataSource, connection -> {
            try (PreparedStatement select = connection.prepareStatement("SELECT"
                    + " (SELECT COUNT(*) FROM endure_attempt WHERE endpoint_id = ?),"
                    + " (SELECT COUNT(*) FROM endure_attempt WHERE endpoint_id = ? AND started_at >= ?),"
                    + " (SELECT COUNT(*) FROM endure_attempt WHERE endpoint_id = ? AND started_at >= ? AND outcome <> 'DELIVERED'),"
                    + " (SELECT MIN(next_attempt_at) FROM endure_delivery WHERE endpoint_id = ? AND state = 'PENDING'),"
                    + " l.http_status, l.error_text, l.started_at, l.outcome,"
                    + " (SELECT MIN(started_at) FROM endure_attempt WHERE endpoint_id = ? AND started_at >= ? AND outcome <> 'DELIVERED')"
                    + " FROM endure_endpoint e LEFT JOIN endure_attempt l ON l.id = (SELECT MAX(a.id) FROM endure_attempt a"
                    + " WHERE a.endpoint_id = e.id) WHERE e.id = ?")) {
                select.setString(1, endpointId);
                select.setString(2, endpointId);
                select.setLong(3, since.toEpochMilli());
                select.setString(4, endpointId);
                select.setLong(5, since.toEpochMilli());
                select.setString(6, endpointId);
                select.setString(7, endpointId);
                select.setLong(8, since.toEpochMilli());
                select.setString(9, endpointId);
                try (ResultSet row = select.executeQuery()) {
                    if (!row.next()) {
                        return new EndpointAttemptStats(endpointId, 0, 0, 0, null, null, null, null);
                    }
                    Instant lastAttempt = instant(row, 7);
                    String lastError = null;
                    if (lastAttempt != null && !"DELIVERED".equals(row.getString(8))) {
                        Integer status = integer(row, 5);
                        lastError = status != null ? "HTTP " + status : row.getString(6);
                    }
                    return new EndpointAttemptStats(endpointId, row.getLong(1), row.getLong(2), row.getLong(3), lastError, lastAttempt,
                            instant(row, 4), instant(row, 9));
                }
            }
        });
    }

    private static List<Delivery> queryDeliveries(Connection connection, String where, String value) throws SQLException {
        List<Delivery> deliveries = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT " + DELIVERY_COLUMNS + " FROM endure_delivery WHERE "
                + where + " ORDER BY seq")) {
            select.setString(1, value);
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    deliveries.add(new Delivery(row.getString(1), row.getString(2), row.getString(3), row.getString(4),
                            DeliveryState.valueOf(row.getString(5)), row.getInt(6), instant(row, 7), instant(row, 8), row.getLong(9),
                            row.getString(10), instant(row, 11), instant(row, 12), instant(row, 13), row.getString(14),
                            integer(row, 15), row.getString(16)));
                }
            }
        }
        return deliveries;
    }

    static Instant instant(ResultSet row, int column) throws SQLException {
        long millis = row.getLong(column);
        return row.wasNull() ? null : Instant.ofEpochMilli(millis);
    }

    static Integer integer(ResultSet row, int column) throws SQLException {
        int value = row.getInt(column);
        return row.wasNull() ? null : value;
    }
}
