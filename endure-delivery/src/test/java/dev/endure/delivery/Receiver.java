package dev.endure.delivery;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.endure.delivery.signing.WebhookVerificationException;
import dev.endure.delivery.signing.WebhookVerifier;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/** A real webhook receiver on loopback: scripted answers, every request recorded and its signature checked. */
final class Receiver implements AutoCloseable {

    /** One scripted answer; {@code hold} makes the receiver sit on the request until the test ends. */
    record Answer(int status, Map<String, String> headers, boolean hold) {
        static Answer of(int status) {
            return new Answer(status, Map.of(), false);
        }

        static Answer of(int status, String header, String value) {
            return new Answer(status, Map.of(header, value), false);
        }

        static Answer holding() {
            return new Answer(200, Map.of(), true);
        }
    }

    /** One request as received. */
    record Received(String id, String body, String signature, boolean verified, String verifyFailure) {}

    private final HttpServer server;
    private final ReentrantLock lock = new ReentrantLock();
    private final Deque<Answer> script = new ArrayDeque<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile Answer fallback = Answer.of(200);
    private volatile WebhookVerifier verifier;

    Receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread thread = new Thread(r, "receiver");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    Receiver verifyWith(WebhookVerifier value) {
        this.verifier = value;
        return this;
    }

    /** Answers in order; after the script runs out, {@link #otherwise}. */
    Receiver then(Answer... answers) {
        lock.lock();
        try {
            script.addAll(List.of(answers));
        } finally {
            lock.unlock();
        }
        return this;
    }

    Receiver otherwise(Answer answer) {
        this.fallback = answer;
        return this;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String id = exchange.getRequestHeaders().getFirst("webhook-id");
        String timestamp = exchange.getRequestHeaders().getFirst("webhook-timestamp");
        String signature = exchange.getRequestHeaders().getFirst("webhook-signature");
        boolean verified = false;
        String failure = null;
        WebhookVerifier current = verifier;
        if (current != null) {
            try {
                current.verify(body, id, timestamp, signature);
                verified = true;
            } catch (WebhookVerificationException e) {
                failure = e.getMessage();
            }
        }
        received.add(new Received(id, body, signature, verified, failure));
        Answer answer;
        lock.lock();
        try {
            answer = script.isEmpty() ? fallback : script.poll();
        } finally {
            lock.unlock();
        }
        if (answer.hold()) {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        byte[] reply = ("answer " + answer.status()).getBytes(StandardCharsets.UTF_8);
        try {
            exchange.sendResponseHeaders(answer.status(), reply.length);
            exchange.getResponseBody().write(reply);
        } catch (IOException clientGone) {
            // the sender timed out or died; nothing to answer
        }
        exchange.close();
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
    }
}
