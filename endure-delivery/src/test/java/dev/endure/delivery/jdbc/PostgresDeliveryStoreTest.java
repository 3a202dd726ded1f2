package dev.endure.delivery.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.NewMessage;
import dev.endure.delivery.PooledTestDatabase;
import dev.endure.testing.TestDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PostgresDeliveryStoreTest extends DeliveryStoreContract {

    private final HikariDataSource dataSource = PooledTestDatabase.pool(TestDatabases.postgres().dataSource());

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @AfterEach
    void closePool() {
        dataSource.close();
    }

    /**
     * Sends to one endpoint used to take its row FOR UPDATE, so every send on every server sharing the
     * database waited for the one before. Now a send share-locks the row: another send still in its
     * transaction does not block it, while a disable does wait (that is what keeps the race closed).
     */
    @Test
    void sendsToOneEndpointDoNotWaitForEachOtherButADisableWaitsForThem() throws Exception {
        try (Connection otherSend = dataSource.getConnection()) {
            otherSend.setAutoCommit(false);
            try (PreparedStatement lock = otherSend.prepareStatement("SELECT enabled FROM endure_endpoint WHERE id = 'ep_a' FOR SHARE")) {
                lock.executeQuery().close();
            }
            CompletableFuture<?> send = CompletableFuture.runAsync(() -> store.enqueue(NewMessage.of("e", "{}"), List.of("ep_a"), now));
            await().atMost(Duration.ofSeconds(10)).until(send::isDone);
            assertThat(send).isCompleted();

            CompletableFuture<Boolean> disable = CompletableFuture.supplyAsync(() -> store.disableEndpoint("ep_a", "operator", now));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !disable.isDone());
            otherSend.commit();
            assertThat(disable.get()).isTrue();
        }
        assertThat(deliveriesIn("ep_a", DeliveryState.HELD)).isEqualTo(1);
    }
}
