package dev.endure.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.endure.Clock;
import dev.endure.delivery.DeliveryEvent;
import dev.endure.delivery.DeliveryListener;
import dev.endure.delivery.DeliveryPage;
import dev.endure.delivery.DeliveryQuery;
import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.Endpoint;
import dev.endure.server.EndureServer;
import dev.endure.server.api.Json;
import dev.endure.server.auth.ApiKey;
import dev.endure.server.auth.ApiKeys;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code endure demo}: the server on a fresh embedded store, receivers on loopback that misbehave in
 * the ways seed 003 cares about, a few hundred messages sent through the real API, a retry schedule
 * compressed from hours to seconds, and a report that accounts for every delivery.
 */
public final class DemoRun implements AutoCloseable {

    /** Seed 003's shape (×2, ±25 % jitter, floor, cap, max duration, max attempts) at demo speed. */
    static ServerConfig demoConfig(Path dataDir, int port) {
        return ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, port)
                .with(ConfigKey.STORE_DATA_DIR, dataDir.toString())
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.POLICY_INITIAL, "200ms")
                .with(ConfigKey.POLICY_CAP, "2s")
                .with(ConfigKey.POLICY_FLOOR, "100ms")
                .with(ConfigKey.POLICY_MAX_DURATION, "30s")
                .with(ConfigKey.POLICY_MAX_ATTEMPTS, "6")
                .with(ConfigKey.POLICY_TIMEOUT, "1s")
                .with(ConfigKey.POLICY_MAX_RETRY_AFTER, "2s")
                // The schedule runs ~600 times faster than seed 003's, but the per-endpoint breaker (open 30 s after
                // 5 failures) does not, so no attempt could show an hour's span in a one-minute demo: counts only.
                .with(ConfigKey.POLICY_MIN_FAILURE_SPAN, "0s")
                .with(ConfigKey.WORKER_LEASE, "5s")
                .with(ConfigKey.WORKER_CONCURRENCY, "32")
                .with(ConfigKey.WORKER_POLL_INTERVAL, "50ms")
                .with(ConfigKey.DASHBOARD_SAMPLE_INTERVAL, "500ms")
                .with(ConfigKey.SERVER_SHUTDOWN_GRACE, "5s");
    }

    private final EndureServer server;
    private final DemoReceivers receivers;
    private final String key;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicLong retries;
    private final AtomicLong deliveredAfterRetries;
    private final PrintWriter out;
    private final Path dataDir;
    private long lastDrawn;
    private long lastQuarter = -1;

    private DemoRun(EndureServer server, DemoReceivers receivers, String key, AtomicLong retries, AtomicLong deliveredAfterRetries,
            PrintWriter out, Path dataDir) {
        this.dataDir = dataDir;
        this.server = server;
        this.receivers = receivers;
        this.key = key;
        this.retries = retries;
        this.deliveredAfterRetries = deliveredAfterRetries;
        this.out = out;
    }

    /** Starts the server and the receivers; {@link #run(int, Duration)} does the rest. */
    public static DemoRun start(Path dataDir, int port, PrintWriter out) throws IOException {
        Map.Entry<String, ApiKey> admin = ApiKeys.generateAdmin("demo");
        ServerConfig config = demoConfig(dataDir, port).withApiKeys(List.of(admin.getValue()));
        DemoReceivers receivers = new DemoReceivers(config.duration(ConfigKey.POLICY_TIMEOUT).toMillis());
        AtomicLong retries = new AtomicLong();
        AtomicLong afterRetries = new AtomicLong();
        DeliveryListener counter = event -> {
            if (event instanceof DeliveryEvent.RetryScheduled) {
                retries.incrementAndGet();
            } else if (event instanceof DeliveryEvent.Delivered delivered && delivered.attempts() > 1) {
                afterRetries.incrementAndGet();
            }
        };
        try {
            EndureServer server = EndureServer.start(config, Clock.system(), List.of(counter));
            return new DemoRun(server, receivers, admin.getKey(), retries, afterRetries, out, dataDir);
        } catch (RuntimeException e) {
            receivers.close();
            throw e;
        }
    }

    public EndureServer server() {
        return server;
    }

    /** Where the demo's store lives (the directory given to {@link #start}). */
    public Path dataDir() {
        return dataDir;
    }

    public String apiKey() {
        return key;
    }

    public String dashboardUrl() {
        return server.baseUrl() + "/dashboard/#key=" + key;
    }

    /** Creates one endpoint per receiver behaviour, sends {@code messages} to all of them, waits until settled (at most {@code limit}). */
    public DemoReport run(int messages, Duration limit) throws IOException, InterruptedException {
        long start = System.nanoTime();
        out.println("Endure demo: server on " + server.baseUrl() + " (a fresh embedded store), receivers on 127.0.0.1:");
        for (String eventType : List.of("invoice.paid", "order.created")) {
            call("POST", "/api/event-types", Json.write(Json.object().put("name", eventType).put("description", "a demo event")));
        }
        for (DemoReceivers.Behaviour behaviour : DemoReceivers.Behaviour.values()) {
            ObjectNode body = Json.object().put("id", behaviour.path()).put("url", receivers.url(behaviour));
            JsonNode created = call("POST", "/api/endpoints", Json.write(body));
            receivers.trust(behaviour, created.path("secret").asText());
            out.printf("  %-10s %s%n", behaviour.path(), behaviour.description());
        }
        out.println("  dashboard, live while the demo runs: " + dashboardUrl());
        out.flush();
        // Each send fans out to the endpoints enabled at that moment: one the demo's receivers get disabled stops
        // getting new messages, so the deliveries to account for are the ones each answer lists.
        int total = 0;
        for (int n = 1; n <= messages; n++) {
            ObjectNode body = Json.object().put("eventType", n % 3 == 0 ? "invoice.paid" : "order.created");
            body.putObject("payload").put("n", n).put("amount", n * 7 % 1000);
            total += call("POST", "/api/messages", Json.write(body)).path("deliveries").size();
            progress("sending ", n, messages);
        }
        out.println();
        out.printf("  sent %d messages through the API in %.1f s%n", messages, (System.nanoTime() - start) / 1e9);
        long deadline = System.nanoTime() + limit.toNanos();
        Map<DeliveryState, Long> counts;
        while (true) {
            counts = server.store().countsByState();
            long open = counts.get(DeliveryState.PENDING) + counts.get(DeliveryState.IN_FLIGHT);
            progress("settling", (int) (total - open), total);
            if (open == 0 || System.nanoTime() > deadline) {
                break;
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos()); // the demo's own progress loop, not a test
        }
        out.println();
        if (counts.get(DeliveryState.PENDING) + counts.get(DeliveryState.IN_FLIGHT) > 0) {
            for (DeliveryState open : List.of(DeliveryState.PENDING, DeliveryState.IN_FLIGHT)) {
                for (DeliveryPage.DeliveryRow row : server.queries().deliveries(new DeliveryQuery(null, open, null, null, null, 5)).rows()) {
                    out.println("  still " + open + ": " + row.delivery());
                }
            }
        }
        server.sampleNow();
        return report(messages, total, counts, Duration.ofNanos(System.nanoTime() - start));
    }

    private DemoReport report(int messages, int total, Map<DeliveryState, Long> counts, Duration elapsed) {
        Map<String, String> disabled = new TreeMap<>();
        for (Endpoint endpoint : server.store().endpoints()) {
            if (!endpoint.enabled()) {
                disabled.put(endpoint.id(), endpoint.disabledReason());
            }
        }
        Map<String, Long> failureReasons = new TreeMap<>();
        long lost = total - counts.values().stream().mapToLong(Long::longValue).sum();
        for (DemoReceivers.Behaviour behaviour : DemoReceivers.Behaviour.values()) {
            Set<String> acknowledged = receivers.acknowledged(behaviour);
            for (DeliveryState state : List.of(DeliveryState.DELIVERED, DeliveryState.FAILED)) {
                Long before = null;
                do {
                    DeliveryPage page = server.queries().deliveries(new DeliveryQuery(behaviour.path(), state, null, null, before, 1000));
                    for (DeliveryPage.DeliveryRow row : page.rows()) {
                        if (state == DeliveryState.DELIVERED && !acknowledged.contains(row.delivery().messageId())) {
                            lost++; // the store says delivered, the receiver never acknowledged it
                        }
                        if (state == DeliveryState.FAILED) {
                            failureReasons.merge(row.delivery().terminalReason() == null ? "unknown" : row.delivery().terminalReason(), 1L, Long::sum);
                        }
                    }
                    before = page.nextBeforeSeq();
                } while (before != null);
            }
        }
        return new DemoReport(messages, total, counts.get(DeliveryState.DELIVERED), deliveredAfterRetries.get(), retries.get(),
                counts.get(DeliveryState.FAILED), failureReasons, counts.get(DeliveryState.HELD),
                counts.get(DeliveryState.PENDING) + counts.get(DeliveryState.IN_FLIGHT), disabled, lost, receivers.badSignatures(), elapsed,
                dashboardUrl());
    }

    private void progress(String label, int done, int total) {
        long now = System.nanoTime();
        // Redraw at most ten times a second, and without a terminal only at each quarter.
        boolean terminal = System.console() != null;
        if (done != total && (terminal ? now - lastDrawn < 100_000_000L : done * 4L / total == lastQuarter)) {
            return;
        }
        lastDrawn = now;
        lastQuarter = done * 4L / Math.max(1, total);
        int width = 40;
        int filled = total == 0 ? width : (int) ((long) done * width / total);
        out.print((terminal ? "\r  " : "\n  ") + label + " [" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + done + "/" + total);
        out.flush();
    }

    private JsonNode call(String method, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return Json.read(response.body());
    }

    @Override
    public void close() {
        server.close();
        receivers.close();
    }
}
