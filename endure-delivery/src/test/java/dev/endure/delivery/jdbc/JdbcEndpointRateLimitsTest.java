package dev.endure.delivery.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.VirtualTime;
import dev.endure.delivery.StoreDatabases;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Issue 18: N workers on one database let an endpoint see N × its rate. The shared bucket, on virtual time. */
class JdbcEndpointRateLimitsTest {

    private static final double RATE = 20;

    @AfterAll
    static void closePools() {
        StoreDatabases.closeAll();
    }

    @ParameterizedTest
    @MethodSource("dev.endure.delivery.StoreDatabases#kinds")
    void threeWorkersTogetherTakeNoMoreThanTheRateAndKeepTakingAllOfIt(String kind) {
        DataSource data = StoreDatabases.fresh(kind);
        JdbcDeliveryStore.migrate(data);
        VirtualTime time = new VirtualTime(Instant.parse("2026-01-01T00:00:00Z"));
        List<JdbcEndpointRateLimits> workers = List.of(JdbcEndpointRateLimits.create(data, "a", time),
                JdbcEndpointRateLimits.create(data, "b", time), JdbcEndpointRateLimits.create(data, "c", time));
        int[] taken = new int[3];
        // Ten seconds in 5 ms steps; every worker tries as often as it likes (a backlog on every node).
        for (int step = 0; step < 2000; step++) {
            for (int k = 0; k < 3; k++) {
                int w = (step + k) % 3; // no worker always asks first
                for (int tries = 0; tries < 3; tries++) {
                    if (workers.get(w).tryAcquire("ep_1", RATE)) {
                        taken[w]++;
                    }
                }
            }
            time.advance(Duration.ofMillis(5));
        }
        int total = taken[0] + taken[1] + taken[2];
        // At most the rate for the time plus the bucket's capacity (0.2 s of the rate, at least one token).
        assertThat(total).isLessThanOrEqualTo((int) (RATE * 10 + Math.max(1, RATE * 0.2)));
        assertThat(total).isGreaterThanOrEqualTo((int) (RATE * 10 * 0.95));
        assertThat(taken[0]).isPositive();
        assertThat(taken[1]).isPositive();
        assertThat(taken[2]).isPositive();
        assertThat(workers.get(0).liveNodes()).isEqualTo(3);
    }

    @ParameterizedTest
    @MethodSource("dev.endure.delivery.StoreDatabases#kinds")
    void whenTheBucketCannotBeReachedEachWorkerTakesItsShareAndNeverThrows(String kind) throws Exception {
        DataSource data = StoreDatabases.fresh(kind);
        JdbcDeliveryStore.migrate(data);
        VirtualTime time = new VirtualTime(Instant.parse("2026-01-01T00:00:00Z"));
        JdbcEndpointRateLimits a = JdbcEndpointRateLimits.create(data, "a", time);
        JdbcEndpointRateLimits b = JdbcEndpointRateLimits.create(data, "b", time);
        a.tryAcquire("ep_1", RATE);
        b.tryAcquire("ep_1", RATE);
        time.advance(Duration.ofSeconds(3)); // the next lease counts the live workers again
        a.tryAcquire("ep_1", RATE);
        assertThat(a.liveNodes()).isEqualTo(2);
        try (Connection connection = data.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute("ALTER TABLE endure_rate_bucket RENAME TO endure_rate_bucket_gone");
        }
        time.advance(Duration.ofSeconds(2)); // spend what was leased and refill the local limiter
        int taken = 0;
        for (int step = 0; step < 1000; step++) { // five seconds in 5 ms steps
            for (int tries = 0; tries < 3; tries++) {
                if (a.tryAcquire("ep_1", RATE)) {
                    taken++;
                }
            }
            time.advance(Duration.ofMillis(5));
        }
        assertThat(a.failing()).isTrue();
        // Half the rate for five seconds, plus the local limiter's burst of one second of its share.
        assertThat(taken).isBetween((int) (RATE / 2 * 5 * 0.9), (int) (RATE / 2 * 6) + 1);
    }
}
