package dev.endure.delivery.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The keeper's pacing when the database is away: it tries again, but only after the interval, on the injected clock. */
class StatisticsKeeperTest {

    @Test
    void aFailedAnalyzeIsTriedAgainAfterTheIntervalNotAtEveryWrite() {
        AtomicInteger connects = new AtomicInteger();
        DataSource away = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        connects.incrementAndGet();
                        throw new SQLException("connection refused");
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        StatisticsKeeper keeper = new StatisticsKeeper(away, List.of("endure_delivery"), clock::get);

        keeper.changed(49);
        assertThat(keeper.started()).isZero();
        keeper.changed(1); // 50 rows: the first run
        assertThat(keeper.started()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !keeper.running());
        assertThat(connects).hasValue(1);
        assertThat(keeper.analyses()).isZero();

        keeper.changed(1_000_000); // far past any threshold, but the last try was just now
        assertThat(keeper.started()).isEqualTo(1);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(9));
        keeper.changed(1);
        assertThat(keeper.started()).isEqualTo(1);
        clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
        keeper.changed(1);
        assertThat(keeper.started()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> !keeper.running());
        assertThat(connects).hasValue(2);
    }
}
