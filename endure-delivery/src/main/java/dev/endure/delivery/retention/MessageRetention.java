package dev.endure.delivery.retention;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import dev.endure.delivery.jdbc.JdbcTransactions;
import javax.sql.DataSource;

/**
 * Keeps the delivery store from growing without bound: deliveries that finished (delivered or failed for
 * good) longer than the retention period ago are deleted with their attempts, and their message once no
 * delivery of it is left. Each batch is one short transaction that locks only the rows it deletes
 * ({@code SKIP LOCKED}), so workers claiming and recording pending deliveries never wait on it. Works on
 * PostgreSQL and H2 (the schema of {@code JdbcDeliveryStore}).
 *
 * <pre>{@code
 * MessageRetention retention = new MessageRetention(dataSource, Duration.ofDays(30), 500);
 * retention.purge(Instant.now(), 20);              // at most 20 batches of 500 per run
 * retention.expungePayload("msg_123", Instant.now());
 * }</pre>
 */
public final class MessageRetention {

    /** A payload removed on request reads as JSON {@code null}. */
    public static final String EXPUNGED_PAYLOAD = "null";

    private final DataSource dataSource;
    private final Duration period;
    private final int batchSize;

    public MessageRetention(DataSource dataSource, Duration period, int batchSize) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("retention period must be positive (was " + period + ")");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("retention batch size must be at least 1 (was " + batchSize + ")");
        }
        this.period = period;
        this.batchSize = batchSize;
    }

    /** What one purge run removed. */
    public record Purged(int deliveries, int attempts, int messages, int batches) {}

    /**
     * Deletes, in batches of the configured size, what finished before {@code now - period}; stops after
     * {@code maxBatches} (the next run goes on) or when a batch comes back short.
     */
    public Purged purge(Instant now, int maxBatches) {
        long cutoff = now.minus(period).toEpochMilli();
        int deliveries = 0;
        int attempts = 0;
        int messages = 0;
        int batches = 0;
        while (batches < maxBatches) {
            int[] batch = JdbcTransactions.inTransaction(dataSource, connection -> purgeBatch(connection, cutoff));
            batches++;
            deliveries += batch[0];
            attempts += batch[1];
            messages += batch[2];
            if (batch[0] < batchSize) {
                break;
            }
        }
        return new Purged(deliveries, attempts, messages, batches);
    }

    /**
     * Removes one message's payload at once (it reads as {@link #EXPUNGED_PAYLOAD} from then on); its
     * deliveries not yet finished are failed with reason "payload expunged", and one in flight loses its
     * lease so its result is not recorded. Returns false when there is no such message.
     */
    public boolean expungePayload(String messageId, Instant now) {
        return expungePayload(dataSource, messageId, now);
    }

    /** {@link #expungePayload(String, Instant)} on {@code dataSource}, needing no retention period. */
    public static boolean expungePayload(DataSource dataSource, String messageId, Instant now) {
        return JdbcTransactions.inTransaction(dataSource, connection -> {
            int found;
            try (PreparedStatement update = connection.prepareStatement("UPDATE endure_message SET payload = ? WHERE id = ?")) {
                update.setString(1, EXPUNGED_PAYLOAD);
                update.setString(2, messageId);
                found = update.executeUpdate();
            }
            if (found == 0) {
                return false;
            }
            try (PreparedStatement fail = connection.prepareStatement("UPDATE endure_delivery SET state = 'FAILED', finished_at = ?,"
                    + " terminal_reason = 'payload expunged', fencing_token = fencing_token + 1, lease_owner = NULL, lease_until = NULL"
                    + " WHERE message_id = ? AND state IN ('PENDING', 'IN_FLIGHT', 'HELD')")) {
                fail.setLong(1, now.toEpochMilli());
                fail.setString(2, messageId);
                fail.executeUpdate();
            }
            return true;
        });
    }

    private int[] purgeBatch(Connection connection, long cutoff) throws SQLException {
        List<String> deliveryIds = new ArrayList<>();
        Set<String> messageIds = new LinkedHashSet<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT id, message_id FROM endure_delivery"
                + " WHERE state IN ('DELIVERED', 'FAILED') AND finished_at < ? LIMIT ? FOR UPDATE SKIP LOCKED")) {
            select.setLong(1, cutoff);
            select.setInt(2, batchSize);
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    deliveryIds.add(row.getString(1));
                    messageIds.add(row.getString(2));
                }
            }
        }
        if (deliveryIds.isEmpty()) {
            return new int[] {0, 0, 0};
        }
        int attempts = deleteIn(connection, "DELETE FROM endure_attempt WHERE delivery_id IN ", "", deliveryIds);
        int deliveries = deleteIn(connection, "DELETE FROM endure_delivery WHERE id IN ", "", deliveryIds);
        int messages = deleteIn(connection, "DELETE FROM endure_message WHERE id IN ",
                " AND NOT EXISTS (SELECT 1 FROM endure_delivery d WHERE d.message_id = endure_message.id)", new ArrayList<>(messageIds));
        return new int[] {deliveries, attempts, messages};
    }

    private static int deleteIn(Connection connection, String head, String tail, List<String> ids) throws SQLException {
        String marks = "(" + String.join(", ", Collections.nCopies(ids.size(), "?")) + ")";
        try (PreparedStatement delete = connection.prepareStatement(head + marks + tail)) {
            for (int i = 0; i < ids.size(); i++) {
                delete.setString(i + 1, ids.get(i));
            }
            return delete.executeUpdate();
        }
    }
}
