package dev.endure.bench.delivery;

import dev.endure.server.EndureServer;
import dev.endure.server.auth.ApiKey;
import dev.endure.server.auth.ApiKeys;
import dev.endure.server.auth.Scope;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * API ingest: an Endure server on a fresh PostgreSQL database (worker off, so only the API path is measured),
 * {@code clients} keep-alive clients sending {@code POST /api/messages} as fast as answers come, then the
 * same through the batch route (50 messages a request).
 */
final class IngestRun {

    private IngestRun() {}

    static String run(String adminUrl, int clients, int seconds) throws Exception {
        String database = "endure_ingest_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        try (Connection admin = DriverManager.getConnection(adminUrl); Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
        }
        URI base = URI.create(adminUrl.substring("jdbc:".length()));
        String jdbcUrl = "jdbc:postgresql://" + base.getHost() + ":" + (base.getPort() > 0 ? base.getPort() : 5432) + "/" + database;
        String key = ApiKeys.generate();
        ServerConfig config = ServerConfig.defaults().with(ConfigKey.SERVER_PORT, 0).with(ConfigKey.STORE_URL, jdbcUrl)
                .with(ConfigKey.STORE_USER, "postgres").with(ConfigKey.WORKER_ENABLED, false).with(ConfigKey.STORE_POOL_SIZE, 20)
                .with(ConfigKey.SECRET_KEY, dev.endure.delivery.crypto.SecretCipher.newKeyText())
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, List.of("127.0.0.0/8"))
                .withApiKeys(List.of(new ApiKey("bench", ApiKeys.sha256(key), Set.of(Scope.values()))));
        StringBuilder out = new StringBuilder("| API ingest, PostgreSQL, " + clients + " clients | messages/s | p50 ms | p99 ms |\n|---|---:|---:|---:|\n");
        try (EndureServer server = EndureServer.start(config)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String baseUrl = server.baseUrl().replaceAll("/$", "");
            post(http, baseUrl + "/api/event-types", key, "{\"name\":\"invoice.paid\"}"); // sends need a registered event type
            post(http, baseUrl + "/api/endpoints", key, "{\"id\":\"ep_ingest\",\"url\":\"http://127.0.0.1:9/hook\"}");
            // Unmeasured warm-up of both routes first: the JIT compiles the request path, so the numbers below are a server's steady state.
            measure("warm-up", baseUrl + "/api/messages", key, clients, Math.min(5, seconds), 1);
            measure("warm-up", baseUrl + "/api/messages/batch", key, clients, Math.min(3, seconds), 50);
            out.append(measure("POST /api/messages (one message a request)", baseUrl + "/api/messages", key, clients, seconds, 1));
            out.append(measure("POST /api/messages/batch (50 a request)", baseUrl + "/api/messages/batch", key, clients, seconds, 50));
        } finally {
            try (Connection admin = DriverManager.getConnection(adminUrl); Statement statement = admin.createStatement()) {
                statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            }
        }
        return out.toString();
    }

    private static String measure(String label, String url, String key, int clients, int seconds, int perRequest)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicLong messages = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Future<List<Long>>> results = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            String prefix = System.nanoTime() + "-" + c + "-"; // keys unique to this measurement and client
            results.add(pool.submit(() -> {
                List<Long> latencies = new ArrayList<>();
                try (KeepAliveClient connection = new KeepAliveClient(URI.create(url), key)) {
                    long n = 0;
                    while (System.nanoTime() < end) {
                        String body;
                        if (perRequest == 1) {
                            body = "{\"eventType\":\"invoice.paid\",\"payload\":" + BenchWork.payload(n, false) + ",\"idempotencyKey\":\"k"
                                    + prefix + n + "\"}";
                        } else {
                            StringBuilder batch = new StringBuilder("{\"messages\":[");
                            for (int i = 0; i < perRequest; i++) {
                                batch.append(i == 0 ? "" : ",").append("{\"eventType\":\"invoice.paid\",\"payload\":")
                                        .append(BenchWork.payload(n + i, false)).append(",\"idempotencyKey\":\"b").append(prefix)
                                        .append(n + i).append("\"}");
                            }
                            body = batch.append("]}").toString();
                        }
                        long start = System.nanoTime();
                        int status = connection.post(body);
                        latencies.add(System.nanoTime() - start);
                        if (status == 202 || status == 200) {
                            messages.addAndGet(perRequest);
                        } else {
                            failures.incrementAndGet();
                        }
                        n += perRequest;
                    }
                }
                return latencies;
            }));
        }
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> result : results) {
            all.addAll(result.get());
        }
        pool.shutdown();
        Collections.sort(all);
        return String.format(Locale.ROOT, "| %s%s | **%.0f** | %s | %s |%n", label,
                failures.get() > 0 ? " (" + failures.get() + " requests refused)" : "", messages.get() / (double) seconds,
                CellResult.millis(all, 0.5), CellResult.millis(all, 0.99));
    }

    private static int post(HttpClient http, String url, String key, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
