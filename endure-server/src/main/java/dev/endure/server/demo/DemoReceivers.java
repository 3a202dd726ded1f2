package dev.endure.server.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.delivery.signing.WebhookVerificationException;
import dev.endure.delivery.signing.WebhookVerifier;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's webhook receivers, one JDK HTTP server on 127.0.0.1 with a path per behaviour. Each
 * verifies the Standard Webhooks signature and remembers which message ids it acknowledged, so the
 * demo can prove that every delivery the store calls delivered really arrived.
 */
public final class DemoReceivers implements AutoCloseable {

    /** How a receiver answers. */
    public enum Behaviour {
        /** 503 on the first attempt of every other message, 200 after. */
        FLAKY("flaky", "503 on the first attempt of every other message, then 200"),
        /** 429 with Retry-After: 1 on the first attempt of every third message, 200 after. */
        THROTTLED("throttled", "429 with Retry-After: 1 on the first attempt of every third message, then 200"),
        /** 410 Gone: the endpoint is disabled at once and its messages are held. */
        GONE("gone", "410 Gone (the endpoint is disabled at once)"),
        /** Takes its time: the first attempt of every 10th message outlasts the timeout; otherwise 300 ms. */
        SLOW("slow", "answers after 300 ms; every 10th message's first attempt outlasts the timeout"),
        /** 200, except 400 for every 25th message (a permanent client error: failed, not retried). */
        FINE("fine", "200, but 400 (never retried) for every 25th message"),
        /** 500 every time: the failure-rate rule disables it. */
        BROKEN("broken", "500 every time (disabled by the failure-rate rule)");

        private final String path;
        private final String description;

        Behaviour(String path, String description) {
            this.path = path;
            this.description = description;
        }

        public String path() {
            return path;
        }

        public String description() {
            return description;
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "endure-demo-receiver");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<Behaviour, WebhookVerifier> verifiers = new ConcurrentHashMap<>();
    private final Map<Behaviour, Set<String>> acknowledged = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> attemptsPerMessage = new ConcurrentHashMap<>();
    private final AtomicLong badSignatures = new AtomicLong();
    private final long slowTimeoutMillis;

    /** @param timeoutMillis the delivery timeout, which the slow receiver outlasts on purpose for some messages */
    public DemoReceivers(long timeoutMillis) throws IOException {
        this.slowTimeoutMillis = timeoutMillis;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        for (Behaviour behaviour : Behaviour.values()) {
            acknowledged.put(behaviour, ConcurrentHashMap.newKeySet());
            server.createContext("/" + behaviour.path(), exchange -> handle(behaviour, exchange));
        }
        server.setExecutor(threads);
        server.start();
    }

    public String url(Behaviour behaviour) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + behaviour.path();
    }

    /** The endpoint's secret, so the receiver can verify what it gets (as a real receiver would). */
    public void trust(Behaviour behaviour, String secret) {
        verifiers.put(behaviour, WebhookVerifier.of(WebhookSecret.parse(secret)));
    }

    public Set<String> acknowledged(Behaviour behaviour) {
        return Set.copyOf(acknowledged.get(behaviour));
    }

    public long badSignatures() {
        return badSignatures.get();
    }

    private void handle(Behaviour behaviour, HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            WebhookVerifier verifier = verifiers.get(behaviour);
            try {
                if (verifier == null) {
                    throw new WebhookVerificationException("no secret known");
                }
                verifier.verify(body, id, exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                        exchange.getRequestHeaders().getFirst("webhook-signature"));
            } catch (WebhookVerificationException e) {
                badSignatures.incrementAndGet();
                answer(exchange, 401, Map.of());
                return;
            }
            long attempt = attemptsPerMessage.computeIfAbsent(behaviour.path() + "/" + id, k -> new AtomicLong()).incrementAndGet();
            int sequence = sequence(body);
            int status = switch (behaviour) {
                // Not every message: seed 003's failure-rate rule (100 % failures) would rightly disable an
                // endpoint that fails every first attempt.
                case FLAKY -> attempt == 1 && sequence % 2 == 1 ? 503 : 200;
                case THROTTLED -> attempt == 1 && sequence % 3 == 0 ? 429 : 200;
                case GONE -> 410;
                case SLOW -> {
                    // Outlast the sender's timeout once for every 10th message, to show a timeout being retried.
                    pause(attempt == 1 && sequence % 10 == 0 ? slowTimeoutMillis + 500 : 300);
                    yield 200;
                }
                case FINE -> sequence % 25 == 0 ? 400 : 200;
                case BROKEN -> 500;
            };
            if (status == 200) {
                acknowledged.get(behaviour).add(id);
            }
            answer(exchange, status, behaviour == Behaviour.THROTTLED && status == 429 ? Map.of("Retry-After", "1") : Map.of());
        }
    }

    private static int sequence(String body) {
        int at = body.indexOf("\"n\":");
        if (at < 0) {
            return 1;
        }
        int end = at + 4;
        while (end < body.length() && Character.isDigit(body.charAt(end))) {
            end++;
        }
        try {
            return Integer.parseInt(body.substring(at + 4, end));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // a receiver simulating a slow service; not a test wait
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void answer(HttpExchange exchange, int status, Map<String, String> headers) throws IOException {
        headers.forEach((name, value) -> exchange.getResponseHeaders().put(name, List.of(value)));
        // What a real receiver might say, so the dashboard's attempt history has a response to show.
        String answer = switch (status) {
            case 200 -> "{\"received\":true}";
            case 400 -> "{\"error\":\"amount must be positive\"}";
            case 401 -> "{\"error\":\"bad signature\"}";
            case 410 -> "{\"error\":\"this webhook was removed\"}";
            case 429 -> "{\"error\":\"slow down\",\"retryAfter\":1}";
            case 503 -> "{\"error\":\"warming up, try again\"}";
            default -> "{\"error\":\"internal error\"}";
        };
        byte[] text = answer.getBytes(StandardCharsets.UTF_8);
        try {
            exchange.sendResponseHeaders(status, text.length);
            exchange.getResponseBody().write(text);
        } catch (IOException e) {
            // The sender gave up (timeout) and closed the connection; that is what the slow receiver shows.
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
        try {
            threads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
