package dev.endure.jdbc.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.jdbc.TransactionRunner;
import dev.endure.retry.RetryStats;
import dev.endure.testing.CountingDataSource;
import dev.endure.testing.TestDatabases;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The service's rules, one at a time, on H2. */
class AuthorizationUnitsTest {

    private static final Caller SCHEDULER = new Caller("sam", Role.SCHEDULER, 1);

    private CountingDataSource counted;
    private AuthorizationUnits units;
    private long authorization;

    @BeforeEach
    void setUp() throws SQLException {
        DataSource h2 = TestDatabases.h2().dataSource();
        AuthorizationUnitsSchema.create(h2);
        counted = new CountingDataSource(h2);
        units = new AuthorizationUnits(counted);
        authorization = units.createAuthorization(1, 50);
    }

    @Test
    void reserveReleaseAndConsumeMoveUnitsBetweenTheCounters() throws SQLException {
        Reservation first = units.reserve(SCHEDULER, authorization, 10);
        Reservation second = units.reserve(SCHEDULER, authorization, 15);
        assertThat(units.find(authorization)).isEqualTo(new Authorization(authorization, 1, 50, 0, 25));

        units.release(SCHEDULER, first.id());
        units.consume(SCHEDULER, second.id());

        assertThat(units.find(authorization)).isEqualTo(new Authorization(authorization, 1, 50, 15, 0));
        assertThat(units.miscounted()).isEmpty();
    }

    @Test
    void refusesToReserveMoreThanIsFree() throws SQLException {
        units.reserve(SCHEDULER, authorization, 45);

        assertThatThrownBy(() -> units.reserve(SCHEDULER, authorization, 10))
                .isInstanceOfSatisfying(UnitsException.class, e -> {
                    assertThat(e.reason()).isEqualTo(UnitsException.Reason.INSUFFICIENT_UNITS);
                    assertThat(e.getMessage()).isEqualTo("authorization " + authorization + " has 5 units free; 10 requested");
                });
        assertThat(units.find(authorization).scheduledUnits()).isEqualTo(45);
    }

    @Test
    void roleAndInputChecksFailBeforeAnyConnectionIsBorrowed() {
        int before = counted.borrowed();

        assertThatThrownBy(() -> units.reserve(new Caller("vic", Role.VIEWER, 1), authorization, 5))
                .isInstanceOfSatisfying(UnitsException.class, e -> assertThat(e.reason()).isEqualTo(UnitsException.Reason.FORBIDDEN))
                .hasMessage("user vic has role VIEWER; changing units needs ADMIN or SCHEDULER");
        assertThatThrownBy(() -> units.reserve(SCHEDULER, authorization, 0))
                .isInstanceOfSatisfying(UnitsException.class, e -> assertThat(e.reason()).isEqualTo(UnitsException.Reason.INVALID));

        assertThat(counted.borrowed()).as("no transaction was started").isEqualTo(before);
        assertThat(units.transactions().stats().snapshot().calls()).as("nothing reached the retry").isEqualTo(1); // createAuthorization
    }

    @Test
    void anotherOrganizationsAuthorizationIsForbiddenOnTheFirstAttemptWithoutRetry() {
        Caller stranger = new Caller("olga", Role.SCHEDULER, 2);

        assertThatThrownBy(() -> units.reserve(stranger, authorization, 5))
                .isInstanceOfSatisfying(UnitsException.class, e -> assertThat(e.reason()).isEqualTo(UnitsException.Reason.FORBIDDEN));

        RetryStats.Snapshot stats = units.transactions().stats().snapshot();
        assertThat(stats.failedPermanently()).isEqualTo(1);
        assertThat(stats.retries()).isZero();
        assertThat(counted.open()).isZero();
    }

    @Test
    void anAdminMayChangeAnyOrganizationsUnits() throws SQLException {
        Reservation reservation = units.reserve(new Caller("ada", Role.ADMIN, 99), authorization, 5);

        assertThat(reservation.status()).isEqualTo(Reservation.Status.SCHEDULED);
        assertThat(units.find(authorization).scheduledUnits()).isEqualTo(5);
    }

    @Test
    void releaseAndConsumeAreIdempotentAndRespectTheReservationsState() throws SQLException {
        Reservation reservation = units.reserve(SCHEDULER, authorization, 10);

        units.release(SCHEDULER, reservation.id());
        Reservation again = units.release(SCHEDULER, reservation.id());

        assertThat(again.status()).isEqualTo(Reservation.Status.RELEASED);
        assertThat(units.find(authorization).scheduledUnits()).as("released once").isZero();
        assertThatThrownBy(() -> units.consume(SCHEDULER, reservation.id()))
                .isInstanceOfSatisfying(UnitsException.class, e -> assertThat(e.reason()).isEqualTo(UnitsException.Reason.WRONG_STATE))
                .hasMessageContaining("is RELEASED");
        assertThat(units.miscounted()).isEmpty();
    }

    @Test
    void unknownIdsAreNotFound() {
        assertThatThrownBy(() -> units.reserve(SCHEDULER, 12345, 1))
                .isInstanceOfSatisfying(UnitsException.class, e -> assertThat(e.reason()).isEqualTo(UnitsException.Reason.NOT_FOUND));
        assertThatThrownBy(() -> units.consume(SCHEDULER, 777))
                .isInstanceOfSatisfying(UnitsException.class, e -> assertThat(e.reason()).isEqualTo(UnitsException.Reason.NOT_FOUND));
    }

    @Test
    void usesTheRunnerItIsGiven() {
        TransactionRunner runner = TransactionRunner.builder(counted)
                .retryPolicy(TransactionRunner.policyBuilder().name("units").maxAttempts(3).build())
                .build();

        assertThat(new AuthorizationUnits(counted, runner).transactions().retrier().policy().name()).isEqualTo("units");
    }
}
