package dev.endure.delivery.jdbc;

import dev.endure.delivery.Endpoint;
import dev.endure.delivery.EndpointPolicy;
import dev.endure.delivery.crypto.SecretCipher;
import dev.endure.delivery.signing.SigningKeys;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/** Endpoint rows of {@link JdbcDeliveryStore}: create, update and read them, signing keys sealed under the cipher if any. */
final class JdbcEndpointRows {

    private final DataSource dataSource;
    private final SecretCipher cipher;
    private static final int MAX_DECODED = 10_000;
    private final java.util.concurrent.ConcurrentHashMap<String, Decoded> decoded = new java.util.concurrent.ConcurrentHashMap<>();

    JdbcEndpointRows(DataSource dataSource, SecretCipher cipher) {
        this.dataSource = dataSource;
        this.cipher = cipher;
    }

    void create(Endpoint endpoint, Instant now) {
        JdbcTransactions.inTransaction(dataSource, connection -> {
            insert(connection, endpoint, now);
            return null;
        });
    }

    /** The endpoint insert, inside a caller's transaction (creating an endpoint with its subscription is one). */
    void insert(Connection connection, Endpoint endpoint, Instant now) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO endure_endpoint (id, url, signing_keys, enabled,"
                + " disabled_reason, disabled_at, initial_interval_ms, multiplier, max_interval_ms, max_duration_ms, max_attempts,"
                + " timeout_ms, rate_limit_per_second, max_concurrency, ordered_delivery, created_at, adaptive_concurrency)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            insert.setString(1, endpoint.id());
            insert.setString(2, endpoint.url().toString());
            insert.setString(3, SigningKeysCodec.encode(endpoint.id(), endpoint.signingKeys(), cipher));
            insert.setBoolean(4, endpoint.enabled());
            insert.setString(5, endpoint.disabledReason());
            setMillis(insert, 6, endpoint.disabledAt());
            setPolicy(insert, 7, endpoint.policy());
            insert.setDouble(13, endpoint.rateLimitPerSecond());
            insert.setInt(14, endpoint.maxConcurrency());
            insert.setBoolean(15, endpoint.ordered());
            insert.setLong(16, now.toEpochMilli());
            insert.setObject(17, endpoint.adaptiveConcurrency(), java.sql.Types.BOOLEAN);
            insert.executeUpdate();
        } catch (SQLException e) {
            if (JdbcDeliveryStore.isUniqueViolation(e)) {
                throw new IllegalArgumentException("endpoint " + endpoint.id() + " already exists", e);
            }
            throw e;
        }
    }

    void update(Endpoint endpoint) {
        int updated = JdbcTransactions.inTransaction(dataSource, connection -> {
            try (PreparedStatement update = connection.prepareStatement("UPDATE endure_endpoint SET url = ?, signing_keys = ?,"
                    + " initial_interval_ms = ?, multiplier = ?, max_interval_ms = ?, max_duration_ms = ?, max_attempts = ?, timeout_ms = ?,"
                    + " rate_limit_per_second = ?, max_concurrency = ?, ordered_delivery = ?, adaptive_concurrency = ? WHERE id = ?")) {
                update.setString(1, endpoint.url().toString());
                update.setString(2, SigningKeysCodec.encode(endpoint.id(), endpoint.signingKeys(), cipher));
                setPolicy(update, 3, endpoint.policy());
                update.setDouble(9, endpoint.rateLimitPerSecond());
                update.setInt(10, endpoint.maxConcurrency());
                update.setBoolean(11, endpoint.ordered());
                update.setObject(12, endpoint.adaptiveConcurrency(), java.sql.Types.BOOLEAN);
                update.setString(13, endpoint.id());
                return update.executeUpdate();
            }
        });
        if (updated == 0) {
            throw new IllegalArgumentException("unknown endpoint " + endpoint.id());
        }
    }

    Optional<Endpoint> one(String id) {
        return JdbcTransactions.autoCommit(dataSource, connection -> query(connection, " WHERE id = ?", id)).stream().findFirst();
    }

    List<Endpoint> all() {
        return JdbcTransactions.autoCommit(dataSource, connection -> query(connection, " ORDER BY id", null));
    }

    private List<Endpoint> query(Connection connection, String where, String value) throws SQLException {
        List<Endpoint> endpoints = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT id, url, signing_keys, enabled, disabled_reason, disabled_at,"
                + " initial_interval_ms, multiplier, max_interval_ms, max_duration_ms, max_attempts, timeout_ms,"
                + " rate_limit_per_second, max_concurrency, ordered_delivery, adaptive_concurrency FROM endure_endpoint" + where)) {
            if (value != null) {
                select.setString(1, value);
            }
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    String id = row.getString(1);
                    Double multiplier = row.getObject(8) == null ? null : row.getDouble(8);
                    EndpointPolicy policy = new EndpointPolicy(duration(row, 7), multiplier, duration(row, 9), duration(row, 10),
                            JdbcDeliveryReads.integer(row, 11), duration(row, 12));
                    endpoints.add(new Endpoint(id, URI.create(row.getString(2)), signingKeys(id, row.getString(3)),
                            row.getBoolean(4), row.getString(5), JdbcDeliveryReads.instant(row, 6), policy, row.getDouble(13), row.getInt(14),
                            row.getBoolean(15), row.getObject(16) == null ? null : row.getBoolean(16)));
                }
            }
        }
        return endpoints;
    }

    /**
     * The endpoint's signing keys decoded (and opened, under a cipher) from the stored column, reusing the last decode
     * while the stored text is the same: a worker reads every endpoint before each claim, and the keys change only when
     * the column does (any change, a rotation or a re-seal, is new text and is decoded afresh).
     */
    private SigningKeys signingKeys(String id, String stored) {
        Decoded last = decoded.get(id);
        if (last != null && last.stored.equals(stored)) {
            return last.keys;
        }
        SigningKeys keys = SigningKeysCodec.decode(id, stored, cipher);
        if (decoded.size() >= MAX_DECODED) {
            decoded.clear(); // endpoints come and go; a store with this many re-decodes once
        }
        decoded.put(id, new Decoded(stored, keys));
        return keys;
    }

    private record Decoded(String stored, SigningKeys keys) {}

    private static void setPolicy(PreparedStatement statement, int first, EndpointPolicy policy) throws SQLException {
        setMillis(statement, first, policy.initial());
        if (policy.multiplier() == null) {
            statement.setNull(first + 1, java.sql.Types.DOUBLE);
        } else {
            statement.setDouble(first + 1, policy.multiplier());
        }
        setMillis(statement, first + 2, policy.cap());
        setMillis(statement, first + 3, policy.maxDuration());
        if (policy.maxAttempts() == null) {
            statement.setNull(first + 4, java.sql.Types.INTEGER);
        } else {
            statement.setInt(first + 4, policy.maxAttempts());
        }
        setMillis(statement, first + 5, policy.timeout());
    }

    private static void setMillis(PreparedStatement statement, int index, Object value) throws SQLException {
        if (value == null) {
            statement.setNull(index, java.sql.Types.BIGINT);
        } else if (value instanceof Instant instant) {
            statement.setLong(index, instant.toEpochMilli());
        } else {
            statement.setLong(index, ((Duration) value).toMillis());
        }
    }

    private static Duration duration(ResultSet row, int column) throws SQLException {
        long millis = row.getLong(column);
        return row.wasNull() ? null : Duration.ofMillis(millis);
    }
}
