package dev.endure.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.endure.delivery.DeliveryState;
import dev.endure.server.config.ServerConfig;
import dev.endure.testing.TestDatabases;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Two server processes' worth of servers (one JVM) on one PostgreSQL share the work and deliver each message once. */
class TwoServersOnPostgresTest {


    private static final int MESSAGES = 200;

    @Test
    void twoServersShareOneQueueAndDeliverEveryMessageOnce() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        receiver.createContext("/hook", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                received.computeIfAbsent(exchange.getRequestHeaders().getFirst("webhook-id"), k -> new AtomicInteger()).incrementAndGet();
                exchange.sendResponseHeaders(200, -1);
            }
        });
        receiver.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
        receiver.start();
        TestKeys keys = new TestKeys();
        ServerConfig config = ClusterNodes.config(database.url(), keys);
        try (EndureServer first = EndureServer.start(config); EndureServer second = EndureServer.start(config)) {
            ApiClient api = new ApiClient(first.baseUrl(), keys.admin).withEventTypes("e");
            ApiClient other = new ApiClient(second.baseUrl(), keys.admin);
            assertThat(api.post("/api/endpoints", "{\"id\":\"ep_shared\",\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort()
                    + "/hook\"}").status()).isEqualTo(201);
            for (int i = 0; i < MESSAGES; i++) {
                // Alternate the API node too: any node accepts sends for the shared store.
                ApiClient node = i % 2 == 0 ? api : other;
                assertThat(node.post("/api/messages", "{\"eventType\":\"e\",\"payload\":{\"n\":" + i + "}}").status()).isEqualTo(202);
            }
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> first.store().countsByState().get(DeliveryState.DELIVERED) == MESSAGES);
            assertThat(received).hasSize(MESSAGES);
            assertThat(received.values()).allSatisfy(count -> assertThat(count.get()).as("each message received once").isEqualTo(1));
            double byFirst = successes(first);
            double bySecond = successes(second);
            assertThat(byFirst + bySecond).isEqualTo(MESSAGES);
            assertThat(byFirst).as("first node delivered some").isPositive();
            assertThat(bySecond).as("second node delivered some").isPositive();
        } finally {
            receiver.stop(0);
        }
    }

    private static double successes(EndureServer server) {
        var counter = server.metrics().registry().find("endure.delivery.events").tag("event", "success").counter();
        return counter == null ? 0 : counter.count();
    }
}
