package dev.endure.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.testing.TestDatabases;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three worker JVMs share one PostgreSQL; one is killed with SIGKILL while it has requests in flight.
 * Every message must be delivered; the only duplicates allowed are deliveries that node had in flight.
 */
class MultiNodeDeliveryTest {

    private static final int MESSAGES = 300;

    private final List<Process> nodes = new ArrayList<>();
    private final CountDownLatch releaseHeld = new CountDownLatch(1);
    private HttpServer server;
    private HikariDataSource pool;

    @AfterEach
    void stopEverything() {
        releaseHeld.countDown();
        for (Process node : nodes) {
            node.destroyForcibly();
        }
        if (server != null) {
            server.stop(0);
        }
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void everyMessageIsDeliveredWhenANodeIsKilledMidRun() throws Exception {
        TestDatabases.TestDatabase database = TestDatabases.postgres();
        pool = PooledTestDatabase.pool(database.dataSource());
        JdbcDeliveryStore store = JdbcDeliveryStore.migrate(pool);

        // The receiver counts every request by webhook-id and holds node-0's requests from its 6th on,
        // so node-0 certainly has deliveries in flight when it is killed.
        Map<String, AtomicInteger> receivedById = new ConcurrentHashMap<>();
        AtomicInteger node0Requests = new AtomicInteger();
        AtomicInteger node0Held = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            receivedById.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
            String agent = exchange.getRequestHeaders().getFirst("User-Agent");
            if (agent != null && agent.endsWith("/node-0") && node0Requests.incrementAndGet() > 5) {
                node0Held.incrementAndGet();
                try {
                    releaseHeld.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                exchange.sendResponseHeaders(200, -1);
            } catch (java.io.IOException senderGone) {
                // node-0 was killed while we held its request
            }
            exchange.close();
        });
        server.start();

        DeliveryService service = DeliveryService.builder(store).ssrfGuard(SsrfGuard.defaults().allowingLoopback()).build();
        service.createEndpoint(Endpoint.of("ep_shared",
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/in"), WebhookSecret.generate()));

        // Enqueue everything before any node runs, and start all three together: the kill must follow
        // node-0's first held request within moments (or the held requests would time out and repeat for
        // that reason instead), and node-0 must not start after the others have drained the queue.
        Set<String> messageIds = new HashSet<>();
        for (int i = 0; i < MESSAGES; i++) {
            NewMessage message = NewMessage.of("order.created", "{\"order\":" + i + "}");
            messageIds.add(message.id());
            service.send(message, "ep_shared");
        }
        Path logs = Files.createDirectories(Path.of("target", "multi-node"));
        for (int i = 0; i < 3; i++) {
            nodes.add(startNode(database.url(), "node-" + i, logs.resolve("node-" + i + ".log")));
        }
        for (int i = 0; i < 3; i++) {
            Path log = logs.resolve("node-" + i + ".log");
            String owner = "node-" + i;
            await("node " + owner + " ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains("READY " + owner));
        }
        for (Process node : nodes) {
            node.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
            node.getOutputStream().flush();
        }

        await("node-0 has held requests").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> node0Held.get() >= 1);
        Process victim = nodes.get(0);
        victim.destroyForcibly(); // SIGKILL: no shutdown hook, no lease given back
        assertThat(victim.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Set<String> inFlightAtKill = inFlightMessageIds("node-0");
        releaseHeld.countDown();

        await("all delivered").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> store.countsByState().get(DeliveryState.DELIVERED) == MESSAGES);

        assertThat(store.countsByState()).containsEntry(DeliveryState.DELIVERED, (long) MESSAGES)
                .containsEntry(DeliveryState.PENDING, 0L).containsEntry(DeliveryState.IN_FLIGHT, 0L)
                .containsEntry(DeliveryState.FAILED, 0L);
        assertThat(receivedById.keySet()).isEqualTo(messageIds); // none lost, nothing foreign
        int requests = receivedById.values().stream().mapToInt(AtomicInteger::get).sum();
        int duplicates = requests - MESSAGES;
        System.out.printf("[multi-node] %d messages, %d requests, %d duplicates, %d in flight on node-0 at the kill%n",
                MESSAGES, requests, duplicates, inFlightAtKill.size());
        // Duplicates only for what node-0 had in flight (its held requests reached the receiver, their
        // results never reached the database); and at least one, since node-0 held some.
        Set<String> duplicated = new HashSet<>();
        receivedById.forEach((id, count) -> {
            if (count.get() > 1) {
                duplicated.add(id);
                System.out.println("[multi-node] " + id + " received " + count.get() + " times"
                        + (inFlightAtKill.contains(id) ? " (in flight on node-0 at the kill)" : "")
                        + "; attempts " + service.history(id).attemptsByDelivery().values());
            }
        });
        assertThat(duplicates).isBetween(1, inFlightAtKill.size());
        assertThat(inFlightAtKill).containsAll(duplicated);
        assertThat(nodes.get(1).isAlive()).isTrue();
        assertThat(nodes.get(2).isAlive()).isTrue();
    }

    /** The messages whose deliveries the killed node still held leases on: the only ones allowed to repeat. */
    private Set<String> inFlightMessageIds(String owner) throws Exception {
        Set<String> ids = new HashSet<>();
        try (Connection connection = pool.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT message_id FROM endure_delivery WHERE state = 'IN_FLIGHT' AND lease_owner = ?")) {
            select.setString(1, owner);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getString(1));
                }
            }
        }
        return ids;
    }

    private static Process startNode(String jdbcUrl, String owner, Path log) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", classpath,
                DeliveryNodeMain.class.getName(), jdbcUrl, owner)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }
}
