package dev.endure.bench.storm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The downstream on loopback: answers {@code /v/<variant>} by the schedule (5 % random 503s while flaky,
 * 503 to everything while down, 200 once healed) and counts the requests each variant sent in each phase.
 */
final class StormService implements AutoCloseable {

    static final double FLAKY_FAILURE_RATE = 0.05;

    private volatile Schedule schedule;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(16, runnable -> {
        Thread thread = new Thread(runnable, "storm-service");
        thread.setDaemon(true);
        return thread;
    });
    /** Per variant and phase: requests received. */
    private final AtomicLongArray received;

    /** Serves from now; requests count from {@link #start}. */
    StormService(int variants) throws IOException {
        this.received = new AtomicLongArray(variants * Schedule.Phase.values().length);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        server.setExecutor(executor);
        server.createContext("/v/", this::handle);
        server.createContext("/warm", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
    }

    void start(Schedule schedule) {
        this.schedule = schedule;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v/");
    }

    long received(Variant variant, Schedule.Phase phase) {
        return received.get(schedule.variants().indexOf(variant) * Schedule.Phase.values().length + phase.ordinal());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (InputStream body = exchange.getRequestBody()) {
            body.readAllBytes();
        }
        Schedule schedule = this.schedule;
        if (schedule == null) {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
            return;
        }
        String name = exchange.getRequestURI().getPath().substring("/v/".length());
        int index = schedule.variants().indexOf(Variant.valueOf(name));
        Schedule.Phase phase = schedule.phase(index, System.currentTimeMillis());
        received.incrementAndGet(index * Schedule.Phase.values().length + phase.ordinal());
        boolean fails = switch (phase) {
            case FLAKY -> ThreadLocalRandom.current().nextDouble() < FLAKY_FAILURE_RATE;
            case DOWN -> true;
            default -> false;
        };
        exchange.sendResponseHeaders(fails ? 503 : 200, -1);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
