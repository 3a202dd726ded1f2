package dev.endure.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** The chaos suite's webhook receiver on a fixed loopback port: answers 200, counts by webhook-id, can go away and come back. */
final class ChaosReceiver implements AutoCloseable {

    private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final int port;
    private volatile HttpServer server;
    private volatile java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(0);
    private final AtomicInteger waiting = new AtomicInteger();

    ChaosReceiver() throws IOException {
        start(0);
        this.port = server.getAddress().getPort();
    }

    String url() {
        return "http://127.0.0.1:" + port + "/hooks";
    }

    private void start(int onPort) throws IOException {
        HttpServer started = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 0);
        started.setExecutor(threads);
        started.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            received.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
            java.util.concurrent.CountDownLatch gate = held;
            waiting.incrementAndGet();
            try {
                gate.await(60, java.util.concurrent.TimeUnit.SECONDS); // a request held open: it stays in flight at its sender
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                waiting.decrementAndGet();
            }
            try {
                exchange.sendResponseHeaders(200, -1);
            } catch (IOException senderGone) {
                // its node was killed while the request was held
            }
            exchange.close();
        });
        started.start();
        server = started;
    }

    /** From now on requests are held open (received, not answered) until {@link #release()}. */
    void hold() {
        held = new java.util.concurrent.CountDownLatch(1);
    }

    void release() {
        held.countDown();
    }

    /** Requests being held open right now. */
    int waiting() {
        return waiting.get();
    }

    /** The receiver goes away: connections are refused until {@link #comeBack()}. */
    void goAway() {
        server.stop(0);
    }

    void comeBack() throws IOException {
        start(port);
    }

    /** Requests answered 200, by webhook-id (the message id). */
    Map<String, AtomicInteger> received() {
        return received;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
