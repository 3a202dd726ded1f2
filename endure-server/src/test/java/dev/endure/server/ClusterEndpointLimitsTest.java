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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: with N servers on one PostgreSQL a receiver saw up to N × an endpoint's {@code rateLimitPerSecond}, and
 * each node had its own breaker. Three servers (each with its own pool, worker and limits, as three processes would
 * have) now hold the rate together and show one breaker state.
 */
class ClusterEndpointLimitsTest {

    private static final int RATE = 10;
    private static final int MESSAGES = 80;

    @Test
    void threeServersTogetherStayWithinTheEndpointsRateAndShareItsBreaker() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        receiver.createContext("/hook", exchange -> {
            try (exchange) {
                arrivals.add(System.nanoTime());
                exchange.getRequestBody().readAllBytes();
                exchange.sendResponseHeaders(200, -1);
            }
        });
        receiver.createContext("/broken", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.sendResponseHeaders(500, -1);
            }
        });
        receiver.setExecutor(Executors.newFixedThreadPool(16));
        receiver.start();
        TestKeys keys = new TestKeys();
        ServerConfig config = ClusterNodes.config(database.url(), keys);
        String base = "http://127.0.0.1:" + receiver.getAddress().getPort();
        try (EndureServer a = EndureServer.start(config); EndureServer b = EndureServer.start(config);
                EndureServer c = EndureServer.start(config)) {
            ApiClient api = new ApiClient(a.baseUrl(), keys.admin).withEventTypes("e");
            assertThat(api.post("/api/endpoints", "{\"id\":\"ep_rated\",\"url\":\"" + base + "/hook\",\"rateLimitPerSecond\":" + RATE + "}")
                    .status()).isEqualTo(201);
            for (int i = 0; i < MESSAGES; i++) {
                assertThat(api.post("/api/messages", "{\"eventType\":\"e\",\"payload\":{\"n\":" + i + "},\"endpoints\":[\"ep_rated\"]}")
                        .status()).isEqualTo(202);
            }
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> a.store().countsByState().get(DeliveryState.DELIVERED) == MESSAGES);
            List<Long> times = new ArrayList<>(arrivals);
            times.sort(Long::compare);
            int busiestSecond = 0;
            for (int i = 0; i < times.size(); i++) {
                int j = i;
                while (j < times.size() && times.get(j) - times.get(i) < 1_000_000_000L) {
                    j++;
                }
                busiestSecond = Math.max(busiestSecond, j - i);
            }
            double seconds = (times.get(times.size() - 1) - times.get(0)) / 1e9;
            double average = (times.size() - 1) / seconds;
            System.out.printf("cluster rate limit %d/s over 3 servers: %d requests in %.2f s (%.2f/s on average), busiest 1 s window %d%n",
                    RATE, times.size(), seconds, average, busiestSecond);
            assertThat(times).hasSize(MESSAGES);
            // The bound JdbcEndpointRateLimits documents: rate × 1.1 s + the bucket's capacity (0.2 s of it) in any second, + 1 for rounding.
            assertThat(busiestSecond).isLessThanOrEqualTo((int) (RATE * 1.1 + RATE * 0.2) + 1);
            assertThat(average).isLessThanOrEqualTo(RATE * 1.1);
            // And the three use it: well above what one node's share (a third) would give.
            assertThat(average).isGreaterThan(RATE / 2.0);

            // One breaker per endpoint for the cluster: whichever node opens it, every node shows it open.
            assertThat(api.post("/api/endpoints", "{\"id\":\"ep_broken\",\"url\":\"" + base + "/broken\"}").status()).isEqualTo(201);
            for (int i = 0; i < 20; i++) {
                api.post("/api/messages", "{\"eventType\":\"e\",\"payload\":{},\"endpoints\":[\"ep_broken\"]}");
            }
            for (EndureServer node : List.of(a, b, c)) {
                ApiClient nodeApi = new ApiClient(node.baseUrl(), keys.admin);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> "OPEN".equals(nodeApi.get("/api/endpoints/ep_broken").json().path("breaker").asText()));
            }
        } finally {
            receiver.stop(0);
        }
    }
}
