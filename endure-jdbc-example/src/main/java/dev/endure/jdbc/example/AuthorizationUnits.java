package dev.endure.jdbc.example;

import dev.endure.jdbc.TransactionRunner;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Seed 000's authorization-units service: reserve units for an appointment, release them when it is cancelled,
 * consume them when the session is held, keeping {@code used_units + scheduled_units <= total_units} for every
 * authorization.
 *
 * <p>Each operation follows seed 000's pattern: RBAC and validation first, once, failing fast; then the whole
 * read-check-write transaction under SERIALIZABLE through a {@link TransactionRunner}, which re-runs it after a
 * serialization failure. Writes store values computed from what the transaction read (not
 * {@code SET x = x + ?}), so the invariant rests on the isolation level alone, which is what the concurrency tests
 * and the contention harness check. Release and consume are idempotent (a re-run finds the reservation already
 * moved on and does nothing), so they survive an unknown commit outcome; reserve is not, so an unknown outcome
 * reaches its caller as {@link dev.endure.jdbc.CommitOutcomeUnknownException}.
 */
public final class AuthorizationUnits {

    private final DataSource dataSource;
    private final TransactionRunner transactions;

    /** The service on {@code dataSource}, with seed 000's retry policy. */
    public AuthorizationUnits(DataSource dataSource) {
        this(dataSource, TransactionRunner.of(dataSource));
    }

    /** The service with a runner of your own (another policy, listeners, a shared retrier). */
    public AuthorizationUnits(DataSource dataSource, TransactionRunner transactions) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.transactions = Objects.requireNonNull(transactions, "transactions");
    }

    public TransactionRunner transactions() {
        return transactions;
    }

    /** Creates an authorization of {@code totalUnits} for an organization (setup; no RBAC). */
    public long createAuthorization(long organizationId, int totalUnits) throws SQLException {
        if (totalUnits < 0) {
            throw new UnitsException(UnitsException.Reason.INVALID, "totalUnits must not be negative (was " + totalUnits + ")");
        }
        return transactions.inTransaction(connection -> {
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO authorizations (organization_id, total_units, used_units, scheduled_units) VALUES (?, ?, 0, 0)",
                    new String[] {"id"})) {
                insert.setLong(1, organizationId);
                insert.setInt(2, totalUnits);
                insert.executeUpdate();
                return generatedId(insert);
            }
        });
    }

    /**
     * Reserves {@code units} on an authorization.
     *
     * @throws UnitsException FORBIDDEN, INVALID (before any transaction), NOT_FOUND, INSUFFICIENT_UNITS
     */
    public Reservation reserve(Caller caller, long authorizationId, int units) throws SQLException {
        // Fail fast, once: no transaction, no connection, no retry for a request that can never succeed.
        requireMayChangeUnits(caller);
        requirePositive(units);
        return transactions.inTransaction(connection -> {
            Authorization authorization = readAndAuthorize(connection, caller, authorizationId);
            if (units > authorization.availableUnits()) {
                throw new UnitsException(UnitsException.Reason.INSUFFICIENT_UNITS, "authorization " + authorizationId + " has "
                        + authorization.availableUnits() + " units free; " + units + " requested");
            }
            setUnits(connection, authorizationId, authorization.usedUnits(), authorization.scheduledUnits() + units);
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO unit_reservations (authorization_id, units, status, reserved_by) VALUES (?, ?, ?, ?)",
                    new String[] {"id"})) {
                insert.setLong(1, authorizationId);
                insert.setInt(2, units);
                insert.setString(3, Reservation.Status.SCHEDULED.name());
                insert.setString(4, caller.userId());
                insert.executeUpdate();
                return new Reservation(generatedId(insert), authorizationId, units, Reservation.Status.SCHEDULED);
            }
        });
    }

    /** Gives a reservation's units back (the appointment was cancelled). Idempotent. */
    public Reservation release(Caller caller, long reservationId) throws SQLException {
        requireMayChangeUnits(caller);
        return transactions.inIdempotentTransaction(connection -> settle(connection, caller, reservationId, Reservation.Status.RELEASED));
    }

    /** Turns a reservation's scheduled units into used units (the session was held). Idempotent. */
    public Reservation consume(Caller caller, long reservationId) throws SQLException {
        requireMayChangeUnits(caller);
        return transactions.inIdempotentTransaction(connection -> settle(connection, caller, reservationId, Reservation.Status.CONSUMED));
    }

    private Reservation settle(Connection connection, Caller caller, long reservationId, Reservation.Status target) throws SQLException {
        Reservation reservation = findReservation(connection, reservationId);
        if (reservation.status() == target) {
            return reservation; // a re-run after an unknown commit, or a repeated request: already done
        }
        if (reservation.status() != Reservation.Status.SCHEDULED) {
            throw new UnitsException(UnitsException.Reason.WRONG_STATE, "reservation " + reservationId + " is "
                    + reservation.status() + "; only a SCHEDULED reservation can become " + target);
        }
        Authorization authorization = readAndAuthorize(connection, caller, reservation.authorizationId());
        int used = authorization.usedUnits() + (target == Reservation.Status.CONSUMED ? reservation.units() : 0);
        setUnits(connection, authorization.id(), used, authorization.scheduledUnits() - reservation.units());
        try (PreparedStatement update = connection.prepareStatement("UPDATE unit_reservations SET status = ? WHERE id = ?")) {
            update.setString(1, target.name());
            update.setLong(2, reservationId);
            update.executeUpdate();
        }
        return new Reservation(reservationId, reservation.authorizationId(), reservation.units(), target);
    }

    /** One authorization, read outside any retry (for reports and tests). */
    public Authorization find(long authorizationId) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return read(connection, authorizationId);
        }
    }

    /** Seed 001's integrity query: every authorization with {@code used + scheduled > total}. */
    public List<Authorization> overbooked() throws SQLException {
        return authorizations("SELECT id, organization_id, total_units, used_units, scheduled_units FROM authorizations"
                + " WHERE used_units + scheduled_units > total_units ORDER BY id");
    }

    /**
     * Authorizations whose counters disagree with their reservations (scheduled units must equal the units of its
     * SCHEDULED reservations, used units those of its CONSUMED ones): a lost or doubled update shows here even when
     * it did not overbook.
     */
    public List<Authorization> miscounted() throws SQLException {
        return authorizations("SELECT a.id, a.organization_id, a.total_units, a.used_units, a.scheduled_units FROM authorizations a"
                + " WHERE a.scheduled_units <> (SELECT COALESCE(SUM(r.units), 0) FROM unit_reservations r"
                + "   WHERE r.authorization_id = a.id AND r.status = 'SCHEDULED')"
                + " OR a.used_units <> (SELECT COALESCE(SUM(r.units), 0) FROM unit_reservations r"
                + "   WHERE r.authorization_id = a.id AND r.status = 'CONSUMED')"
                + " ORDER BY a.id");
    }

    /** Units in reservations of each status, summed over all authorizations: index by {@link Reservation.Status#ordinal()}. */
    public long[] reservedUnitsByStatus() throws SQLException {
        long[] units = new long[Reservation.Status.values().length];
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT status, SUM(units) FROM unit_reservations GROUP BY status");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                units[Reservation.Status.valueOf(rows.getString(1)).ordinal()] = rows.getLong(2);
            }
        }
        return units;
    }

    // ------------------------------------------------------------------ inside the transaction

    /**
     * Reads the authorization and checks the caller's organization. A plain SELECT: SERIALIZABLE, not a lock,
     * keeps concurrent reservations honest (on MariaDB/InnoDB it becomes a shared lock, and conflicts surface as
     * deadlocks, 1213, which are re-run just the same).
     */
    private static Authorization readAndAuthorize(Connection connection, Caller caller, long authorizationId) throws SQLException {
        Authorization authorization = read(connection, authorizationId);
        if (caller.role() != Role.ADMIN && authorization.organizationId() != caller.organizationId()) {
            // Needs the row, so it runs inside; a permanent failure, so it is never retried.
            throw new UnitsException(UnitsException.Reason.FORBIDDEN, "user " + caller.userId() + " of organization "
                    + caller.organizationId() + " may not change authorization " + authorizationId);
        }
        return authorization;
    }

    private static Authorization read(Connection connection, long authorizationId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, organization_id, total_units, used_units, scheduled_units FROM authorizations WHERE id = ?")) {
            select.setLong(1, authorizationId);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    throw new UnitsException(UnitsException.Reason.NOT_FOUND, "no authorization " + authorizationId);
                }
                return authorization(rows);
            }
        }
    }

    private static Reservation findReservation(Connection connection, long reservationId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id, authorization_id, units, status FROM unit_reservations WHERE id = ?")) {
            select.setLong(1, reservationId);
            try (ResultSet rows = select.executeQuery()) {
                if (!rows.next()) {
                    throw new UnitsException(UnitsException.Reason.NOT_FOUND, "no reservation " + reservationId);
                }
                return new Reservation(rows.getLong(1), rows.getLong(2), rows.getInt(3), Reservation.Status.valueOf(rows.getString(4)));
            }
        }
    }

    private static void setUnits(Connection connection, long authorizationId, int used, int scheduled) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE authorizations SET used_units = ?, scheduled_units = ? WHERE id = ?")) {
            update.setInt(1, used);
            update.setInt(2, scheduled);
            update.setLong(3, authorizationId);
            update.executeUpdate();
        }
    }

    // ------------------------------------------------------------------ checks and plumbing

    private static void requireMayChangeUnits(Caller caller) {
        Objects.requireNonNull(caller, "caller");
        if (caller.role() != Role.ADMIN && caller.role() != Role.SCHEDULER) {
            throw new UnitsException(UnitsException.Reason.FORBIDDEN, "user " + caller.userId() + " has role " + caller.role()
                    + "; changing units needs ADMIN or SCHEDULER");
        }
    }

    private static void requirePositive(int units) {
        if (units <= 0) {
            throw new UnitsException(UnitsException.Reason.INVALID, "units must be positive (was " + units + ")");
        }
    }

    private static long generatedId(PreparedStatement insert) throws SQLException {
        try (ResultSet keys = insert.getGeneratedKeys()) {
            if (!keys.next()) {
                throw new SQLException("the database returned no generated id");
            }
            return keys.getLong(1);
        }
    }

    private List<Authorization> authorizations(String sql) throws SQLException {
        List<Authorization> found = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql);
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                found.add(authorization(rows));
            }
        }
        return found;
    }

    private static Authorization authorization(ResultSet rows) throws SQLException {
        return new Authorization(rows.getLong(1), rows.getLong(2), rows.getInt(3), rows.getInt(4), rows.getInt(5));
    }
}
