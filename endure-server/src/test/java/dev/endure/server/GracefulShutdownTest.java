package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.server.store.EmbeddedPostgresStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on a real server process ({@code endure serve} in a child JVM, stopped with
 * {@link Process#destroy()}): it stops claiming, lets in-flight deliveries finish within the grace
 * period, releases what is still in flight after it, and loses nothing.
 */
class GracefulShutdownTest {

    private static final int MESSAGES = 10;
    private static final int CONCURRENCY = 4;

    @TempDir
    Path dir;

    @Test
    void inFlightDeliveriesFinishWithinTheGracePeriodAndNoMoreAreClaimed() throws Exception {
        try (BlockingReceiver receiver = new BlockingReceiver()) {
            Process server = startServer("10s");
            try {
                ApiClient api = sendMessages(server, receiver);
                await().atMost(Duration.ofSeconds(20)).until(() -> receiver.arrived() == CONCURRENCY);
                server.destroy(); // SIGTERM
                // Readiness turns false as soon as shutdown begins (or HTTP is already gone).
                await().atMost(Duration.ofSeconds(10)).until(() -> notReady(api));
                receiver.open();
                assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("server exited").isTrue();
            } finally {
                server.destroyForcibly();
            }
            assertThat(receiver.answered()).isEqualTo(CONCURRENCY);
            assertThat(receiver.arrived()).as("nothing claimed after SIGTERM").isEqualTo(CONCURRENCY);
            Map<DeliveryState, Long> counts = countsInStore();
            assertThat(counts.get(DeliveryState.DELIVERED)).isEqualTo(CONCURRENCY);
            assertThat(counts.get(DeliveryState.PENDING)).isEqualTo(MESSAGES - CONCURRENCY);
            assertThat(counts.get(DeliveryState.IN_FLIGHT)).isZero();
        }
    }

    @Test
    void deliveriesStillInFlightAfterTheGracePeriodAreReleasedNotLost() throws Exception {
        try (BlockingReceiver receiver = new BlockingReceiver()) {
            Process server = startServer("1s");
            try {
                sendMessages(server, receiver);
                await().atMost(Duration.ofSeconds(20)).until(() -> receiver.arrived() == CONCURRENCY);
                server.destroy(); // SIGTERM; the receiver never answers while the server lives
                assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("server exited").isTrue();
            } finally {
                server.destroyForcibly();
            }
            Map<DeliveryState, Long> counts = countsInStore();
            assertThat(counts.get(DeliveryState.IN_FLIGHT)).as("no claim left behind").isZero();
            assertThat(counts.get(DeliveryState.PENDING)).as("released and never-claimed deliveries are pending again").isEqualTo(MESSAGES);
            assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(MESSAGES);
        }
    }

    private Process startServer(String grace) throws Exception {
        TestKeys keys = new TestKeys();
        Files.writeString(dir.resolve("key"), keys.admin);
        String yaml = ServerProcess.config(keys.admin, "store: { dataDir: '" + dir.resolve("data") + "' }", String.join("\n",
                "worker: { concurrency: " + CONCURRENCY + ", pollInterval: 50ms, lease: 60s }",
                "policy: { timeout: 20s }")).replace("shutdownGrace: 10s", "shutdownGrace: " + grace);
        ServerProcess server = ServerProcess.start(dir, "child", yaml);
        Files.writeString(dir.resolve("url"), server.url);
        return server.process;
    }

    private ApiClient sendMessages(Process server, BlockingReceiver receiver) throws Exception {
        ApiClient api = new ApiClient(Files.readString(dir.resolve("url")), Files.readString(dir.resolve("key"))).withEventTypes("job.done");
        assertThat(api.post("/api/endpoints", "{\"id\":\"ep_slow\",\"url\":\"" + receiver.url() + "\"}").status()).isEqualTo(201);
        for (int i = 0; i < MESSAGES; i++) {
            assertThat(api.post("/api/messages", "{\"eventType\":\"job.done\",\"payload\":{\"n\":" + i + "}}").status()).isEqualTo(202);
        }
        return api;
    }

    private static boolean notReady(ApiClient api) {
        try {
            return api.get("/health/ready").status() == 503;
        } catch (RuntimeException refused) {
            return true;
        }
    }

    private Map<DeliveryState, Long> countsInStore() throws Exception {
        try (EmbeddedPostgresStore embedded = EmbeddedPostgresStore.start(dir.resolve("data"))) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(embedded.jdbcUrl());
            config.setUsername(embedded.user());
            try (HikariDataSource pool = new HikariDataSource(config)) {
                return JdbcDeliveryStore.migrate(pool).countsByState();
            }
        }
    }
}
