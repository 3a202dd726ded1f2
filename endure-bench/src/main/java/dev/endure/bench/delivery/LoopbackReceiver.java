package dev.endure.bench.delivery;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The webhook receiver every system under test sends to: a keep-alive HTTP/1.1 server on loopback that
 * answers 200 at once, except the first attempt of a message whose payload asks for one failure
 * ({@code "failOnce":true}), which gets {@code 503} with {@code Retry-After: 1}. It records, per
 * {@code webhook-id}, when the first attempt arrived and when a retry was due, and counts TCP connections.
 */
final class LoopbackReceiver implements AutoCloseable {

    static final long RETRY_AFTER_NANOS = 1_000_000_000L;
    private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] UNAVAILABLE = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);

    private final ServerSocket server;
    private final ExecutorService connections = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "bench-receiver");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Long> firstArrival = new ConcurrentHashMap<>();
    private final Map<String, Long> retryDue = new ConcurrentHashMap<>();
    private final Map<String, Long> retryLateness = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();
    private volatile long lastArrival;

    LoopbackReceiver() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
        Thread acceptor = new Thread(this::accept, "bench-receiver-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/hook";
    }

    /** Forgets what was received: each cell of the run starts from zero. */
    void reset() {
        firstArrival.clear();
        retryDue.clear();
        retryLateness.clear();
        requests.set(0);
        opened.set(0);
    }

    long requests() {
        return requests.get();
    }

    long connectionsOpened() {
        return opened.get();
    }

    int distinctMessages() {
        return firstArrival.size();
    }

    Long firstArrival(String messageId) {
        return firstArrival.get(messageId);
    }

    long lastArrivalNanos() {
        return lastArrival;
    }

    /** How late each retry came after its Retry-After, in nanoseconds. */
    Map<String, Long> retryLateness() {
        return retryLateness;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                opened.incrementAndGet();
                connections.execute(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            OutputStream out = socket.getOutputStream();
            while (true) {
                String id = null;
                int length = 0;
                boolean close = false;
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                while (!(line = readLine(in)).isEmpty()) {
                    int colon = line.indexOf(':');
                    if (colon <= 0) {
                        continue;
                    }
                    String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                    String value = line.substring(colon + 1).trim();
                    switch (name) {
                        case "webhook-id" -> id = value;
                        case "content-length" -> length = Integer.parseInt(value);
                        case "connection" -> close = value.equalsIgnoreCase("close");
                        default -> { }
                    }
                }
                byte[] body = in.readNBytes(length);
                long now = System.nanoTime();
                lastArrival = now;
                requests.incrementAndGet();
                boolean fail = false;
                if (id != null) {
                    Long first = firstArrival.putIfAbsent(id, now);
                    if (first == null) {
                        fail = new String(body, StandardCharsets.UTF_8).contains("\"failOnce\":true");
                        if (fail) {
                            retryDue.put(id, now + RETRY_AFTER_NANOS);
                        }
                    } else {
                        Long due = retryDue.remove(id);
                        if (due != null) {
                            retryLateness.put(id, now - due);
                        }
                    }
                }
                out.write(fail ? UNAVAILABLE : OK);
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the client went away; nothing to answer
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (line.length() == 0) {
                    return null;
                }
                throw new IOException("connection closed mid-line");
            }
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            line.append((char) b);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        connections.shutdownNow();
    }
}
