package dev.endure.delivery.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/**
 * The operator's writes of {@link JdbcDeliveryStore} (delete an endpoint, release a stopping worker's
 * claims, hold what a disabled endpoint still has pending), kept apart from the delivery path's SQL.
 */
final class JdbcOperatorWrites {

    private final DataSource dataSource;

    JdbcOperatorWrites(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Deletes an endpoint, its deliveries and their attempts in one transaction (messages stay: other
     * endpoints may share them).
     *
     * @return false if it did not exist
     * @throws IllegalStateException if a delivery to it is in flight now (delete after it ends, or disable first)
     */
    boolean deleteEndpoint(String id, Instant now) {
        return JdbcTransactions.inTransaction(dataSource, connection -> {
            try (PreparedStatement check = connection.prepareStatement(
                    "SELECT COUNT(*) FROM endure_delivery WHERE endpoint_id = ? AND state = 'IN_FLIGHT' AND lease_until > ?")) {
                check.setString(1, id);
                check.setLong(2, now.toEpochMilli());
                try (ResultSet row = check.executeQuery()) {
                    row.next();
                    if (row.getLong(1) > 0) {
                        throw new IllegalStateException("endpoint " + id + " has " + row.getLong(1)
                                + " deliveries in flight; disable it and delete it once they end");
                    }
                }
            }
            for (String sql : List.of("DELETE FROM endure_attempt WHERE delivery_id IN (SELECT id FROM endure_delivery WHERE endpoint_id = ?)",
                    "DELETE FROM endure_delivery WHERE endpoint_id = ?")) {
                try (PreparedStatement delete = connection.prepareStatement(sql)) {
                    delete.setString(1, id);
                    delete.executeUpdate();
                }
            }
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM endure_endpoint WHERE id = ?")) {
                delete.setString(1, id);
                return delete.executeUpdate() > 0;
            }
        });
    }

    /**
     * Gives back every live claim of {@code owner} (a worker shutting down): its deliveries become
     * pending, due now, for any worker. A send of that owner that still finishes later is rejected as
     * stale by {@link JdbcDeliveryStore#complete}, since the delivery is no longer in flight under it.
     *
     * @return how many deliveries were released
     */
    int releaseLeases(String owner, Instant now) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement("UPDATE endure_delivery SET state = CASE WHEN EXISTS (SELECT 1 FROM"
                        + " endure_endpoint e WHERE e.id = endpoint_id AND e.enabled = FALSE) THEN 'HELD' ELSE 'PENDING' END,"
                        + " lease_owner = NULL, lease_until = NULL, next_attempt_at = ? WHERE state = 'IN_FLIGHT' AND lease_owner = ?")) {
            update.setLong(1, now.toEpochMilli());
            update.setString(2, owner);
            return update.executeUpdate();
        } catch (SQLException e) {
            throw new JdbcStoreException("releasing the leases of " + owner + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Holds pending deliveries of disabled endpoints. The store holds them when the endpoint is
     * disabled, but a send committed concurrently with the disabling, or a claim released after it,
     * can still leave one pending, and claiming skips disabled endpoints, so it would wait forever
     * instead of showing as held. A periodic sweep closes that gap whatever caused it.
     *
     * @return how many deliveries it held
     */
    int holdPendingOfDisabledEndpoints() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement update = connection.prepareStatement("UPDATE endure_delivery SET state = 'HELD' WHERE state = 'PENDING'"
                        + " AND endpoint_id IN (SELECT e.id FROM endure_endpoint e WHERE e.enabled = FALSE)")) {
            return update.executeUpdate();
        } catch (SQLException e) {
            throw new JdbcStoreException("holding the pending deliveries of disabled endpoints failed: " + e.getMessage(), e);
        }
    }
}
