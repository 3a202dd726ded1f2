package dev.endure.server.hostile;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A webhook receiver on loopback that answers 200 and keeps every body it got, as bytes, by webhook-id. */
public final class RecordingReceiver implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, List<byte[]>> bodies = new ConcurrentHashMap<>();

    public RecordingReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                String id = exchange.getRequestHeaders().getFirst("webhook-id");
                bodies.computeIfAbsent(id == null ? "" : id, k -> new CopyOnWriteArrayList<>()).add(body);
                exchange.sendResponseHeaders(200, -1);
            }
        });
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The bodies received for one message id (a retry or a redelivery adds another). */
    public List<byte[]> bodies(String messageId) {
        return bodies.getOrDefault(messageId, List.of());
    }

    public int messages() {
        return bodies.size();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
