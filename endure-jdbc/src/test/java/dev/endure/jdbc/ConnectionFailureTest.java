package dev.endure.jdbc;

import dev.endure.testing.SeverableTcpProxy;

import static dev.endure.jdbc.RealDriverFailuresTest.count;
import static dev.endure.jdbc.RealDriverFailuresTest.execute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.testing.CountingDataSource;
import dev.endure.testing.TestDatabases;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Real PostgreSQL behind a loopback TCP proxy that the test cuts: before COMMIT (re-run on a new connection) and
 * during COMMIT (outcome unknown: raised, not re-run, unless the callback is idempotent).
 */
class ConnectionFailureTest {

    private static final Pattern HOST_PORT = Pattern.compile("jdbc:postgresql://([^:/?]+):(\\d+)/");

    private DataSource direct;
    private SeverableTcpProxy proxy;
    private CountingDataSource throughProxy;

    @BeforeEach
    void startProxy() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        direct = database.dataSource();
        try (Connection connection = direct.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE bookings (id INT PRIMARY KEY, units INT NOT NULL)");
        }
        Matcher hostPort = HOST_PORT.matcher(database.url());
        assertThat(hostPort.find()).as("host and port in %s", database.url()).isTrue();
        proxy = new SeverableTcpProxy(hostPort.group(1), Integer.parseInt(hostPort.group(2)));
        PGSimpleDataSource viaProxy = new PGSimpleDataSource();
        viaProxy.setUrl(hostPort.replaceFirst("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/"));
        throughProxy = new CountingDataSource(viaProxy);
    }

    @AfterEach
    void stopProxy() throws Exception {
        proxy.close();
    }

    @Test
    void aConnectionLostBeforeCommitIsReRunOnANewConnection() throws SQLException {
        AtomicInteger runs = new AtomicInteger();

        int units = TransactionRunner.of(throughProxy).inTransaction(connection -> {
            execute(connection, "INSERT INTO bookings VALUES (1, 10)");
            if (runs.incrementAndGet() == 1) {
                proxy.cutNow(); // the network goes away mid-transaction
            }
            try (Statement statement = connection.createStatement(); var rows = statement.executeQuery("SELECT units FROM bookings WHERE id = 1")) {
                rows.next();
                return rows.getInt(1);
            }
        });

        assertThat(units).isEqualTo(10);
        assertThat(runs).hasValue(2);
        assertThat(throughProxy.borrowed()).as("the re-run borrowed a new connection").isEqualTo(2);
        assertThat(count(direct, "SELECT COUNT(*) FROM bookings")).as("the first attempt died uncommitted").isEqualTo(1);
        assertThat(throughProxy.open()).isZero();
    }

    @Test
    void aConnectionLostDuringCommitIsAnUnknownOutcomeAndIsNotReRun() {
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> TransactionRunner.of(throughProxy).inTransaction(connection -> {
            runs.incrementAndGet();
            execute(connection, "INSERT INTO bookings VALUES (1, 10)");
            proxy.cutAfterNextRequestIsAnswered(); // the next request is COMMIT: it happens, its reply is lost
            return null;
        })).isInstanceOfSatisfying(CommitOutcomeUnknownException.class, e -> {
            assertThat(e.getSQLState()).isEqualTo("08007");
            assertThat(e.attempt()).isEqualTo(1);
            assertThat(e.getMessage()).contains("commit outcome unknown").contains("inIdempotentTransaction");
            assertThat(SqlStates.isConnectionFailure(e.getCause())).isTrue();
        });

        assertThat(runs).hasValue(1);
        // Why the runner must not re-run: the server did commit. A blind re-run would have booked twice (or, here,
        // failed on the key and hidden that the first booking succeeded).
        assertThat(countBookings()).isEqualTo(1);
        assertThat(throughProxy.open()).isZero();
    }

    @Test
    void anIdempotentCallbackIsReRunAfterAConnectionLostDuringCommit() throws SQLException {
        AtomicInteger runs = new AtomicInteger();

        TransactionRunner.of(throughProxy).inIdempotentTransaction(connection -> {
            execute(connection, "INSERT INTO bookings VALUES (7, 10) ON CONFLICT (id) DO NOTHING");
            if (runs.incrementAndGet() == 1) {
                proxy.cutAfterNextRequestIsAnswered();
            }
            return null;
        });

        assertThat(runs).hasValue(2);
        assertThat(countBookings()).isEqualTo(1);
        assertThat(throughProxy.open()).isZero();
    }

    private int countBookings() {
        try {
            return count(direct, "SELECT COUNT(*) FROM bookings");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
