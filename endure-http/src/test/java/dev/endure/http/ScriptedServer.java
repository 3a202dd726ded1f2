package dev.endure.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A real HTTP/1.1 server on 127.0.0.1 (the JDK's own {@code HttpServer}) that answers from a script,
 * one step per request, and records what arrived and when on its own clock.
 */
final class ScriptedServer implements AutoCloseable {

    /** One request as the server saw it. {@code arrivalNanos} is the server's System.nanoTime(). */
    record Received(String method, String path, String query, Map<String, List<String>> headers, String body,
            long arrivalNanos, int remotePort) {
        String header(String name) {
            for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
                if (entry.getKey().equalsIgnoreCase(name)) {
                    return entry.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** How to answer one request. */
    interface Step {
        void answer(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "scripted-server");
        thread.setDaemon(true);
        return thread;
    });
    private final ConcurrentLinkedQueue<Step> script = new ConcurrentLinkedQueue<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Function<Received, Step> fallback = request -> respond(599, "script exhausted");

    private ScriptedServer(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    static ScriptedServer start() throws IOException {
        return new ScriptedServer(0);
    }

    /** Listens on a given port (for the connection-refused test, which starts the server late). */
    static ScriptedServer startOn(int port) throws IOException {
        return new ScriptedServer(port);
    }

    ScriptedServer then(Step... steps) {
        script.addAll(List.of(steps));
        return this;
    }

    /** Answers every request the script does not cover. */
    ScriptedServer otherwise(Function<Received, Step> fallback) {
        this.fallback = fallback;
        return this;
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery);
    }

    int port() {
        return server.getAddress().getPort();
    }

    List<Received> received() {
        return new ArrayList<>(received);
    }

    int requestCount() {
        return received.size();
    }

    private void handle(HttpExchange exchange) throws IOException {
        long arrival = System.nanoTime();
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Received request = new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestURI().getRawQuery(), Map.copyOf(exchange.getRequestHeaders()), body, arrival,
                exchange.getRemoteAddress().getPort());
        received.add(request);
        Step step = script.poll();
        (step != null ? step : fallback.apply(request)).answer(exchange);
    }

    // ---------------------------------------------------------------- steps

    static Step respond(int status) {
        return respond(status, "");
    }

    static Step respond(int status, String body, String... headers) {
        return exchange -> {
            for (int i = 0; i + 1 < headers.length; i += 2) {
                exchange.getResponseHeaders().add(headers[i], headers[i + 1]);
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    /** Never answers (until the server closes): the client's timeout must fire. */
    Step hang() {
        return exchange -> {
            try {
                released.await();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        };
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
