package dev.endure.breaker.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.testing.TestDatabases;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** On a real PostgreSQL (DESIGN.md: never skipped under CI=true). */
class JdbcBreakerStoreTest {

    private TestDatabases.TestDatabase database;
    private JdbcBreakerStore store;

    @BeforeEach
    void freshSchema() {
        database = TestDatabases.postgres();
        store = newStore();
        store.createTableIfMissing();
    }

    @AfterEach
    void stopPolling() {
        store.close();
    }

    private JdbcBreakerStore newStore() {
        return JdbcBreakerStore.builder(database.dataSource()).syncInterval(Duration.ofMillis(100)).build();
    }

    @Test
    void aBreakerOpenedByOneInstanceIsOpenInTheOtherWithinTheSyncInterval() {
        try (JdbcBreakerStore otherStore = newStore()) {
            CircuitBreaker here = CircuitBreaker.builder(BreakerProcess.policy("billing")).store(store).build();
            CircuitBreaker there = CircuitBreaker.builder(BreakerProcess.policy("billing")).store(otherStore).build();
            here.acquirePermission().recordFailure(0);
            assertThat(here.state()).isEqualTo(BreakerState.OPEN);
            await().atMost(Duration.ofSeconds(10)).until(() -> there.state() == BreakerState.OPEN);
            assertThat(there.snapshot().retryAfter()).isBetween(Duration.ofMinutes(59), Duration.ofHours(1));
            assertThat(there.snapshot().consecutiveFailures()).as("counts stay local").isZero();

            there.reset();
            await().atMost(Duration.ofSeconds(10)).until(() -> here.state() == BreakerState.CLOSED);
        }
    }

    @Test
    void savesBumpTheVersionAndLoadRoundTripsTheRecord() {
        CircuitBreaker breaker = CircuitBreaker.builder(BreakerProcess.policy("billing")).store(store).build();
        breaker.forceOpen();
        breaker.reset();
        breaker.acquirePermission().recordFailure(0);
        assertThat(store.load("billing")).hasValueSatisfying(stored -> {
            assertThat(stored.version()).isEqualTo(3);
            assertThat(stored.state()).isEqualTo(BreakerState.OPEN);
            assertThat(stored.forced()).isFalse();
            assertThat(stored.openUntil()).isAfter(java.time.Instant.now().plus(Duration.ofMinutes(59)));
        });
        assertThat(store.load("shipping")).isEmpty();
    }

    @Test
    void rejectsATableNameThatIsNotAPlainIdentifier() {
        assertThatThrownBy(() -> JdbcBreakerStore.builder(database.dataSource()).table("x; DROP TABLE y").build())
                .hasMessage("table must be a plain SQL identifier, optionally schema-qualified (was 'x; DROP TABLE y')");
    }

    @Test
    void twoJvmsShareOneBreakerThroughPostgres() throws Exception {
        CircuitBreaker here = CircuitBreaker.builder(BreakerProcess.policy("billing")).store(store).build();
        try (JavaProcess other = JavaProcess.start(BreakerProcess.class, "jdbc-follow", database.url(), "billing")) {
            assertThat(other.awaitLine("READY", Duration.ofSeconds(60))).isEqualTo("READY CLOSED");
            here.acquirePermission().recordFailure(0);
            assertThat(other.awaitLine("SAW OPEN", Duration.ofSeconds(30))).isEqualTo("SAW OPEN retryAfterMinutes=59");
            here.reset();
            other.awaitLine("SAW CLOSED", Duration.ofSeconds(30));
            assertThat(other.awaitLine("TRIPPED", Duration.ofSeconds(30))).isEqualTo("TRIPPED OPEN");
            await().atMost(Duration.ofSeconds(10)).until(() -> here.state() == BreakerState.OPEN);
            assertThat(other.awaitExit(Duration.ofSeconds(30))).isZero();
        }
    }
}
