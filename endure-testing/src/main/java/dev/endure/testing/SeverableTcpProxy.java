package dev.endure.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP forwarder on 127.0.0.1 between a JDBC driver and a real database that a test can cut at a chosen moment:
 * {@link #cutNow()} kills every open connection (a network failure before COMMIT), and
 * {@link #cutAfterNextRequestIsAnswered()} lets the next request reach the server, waits for its answer, drops
 * the answer and then kills the connection (COMMIT done on the server, reply lost: the outcome the client cannot
 * know). New connections always go through, so a retry on a fresh connection works, until
 * {@link #stall()} turns the proxy into a black hole: connections stay open, but nothing flows either way and new
 * ones are accepted and never answered (a dead network path, which hangs a client instead of refusing it).
 */
public final class SeverableTcpProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final AtomicBoolean cutAfterAnswer = new AtomicBoolean();
    private final Thread acceptor;
    private volatile boolean closed;
    private volatile boolean stalled;
    private volatile boolean refusing;
    private final List<Socket> heldClients = new CopyOnWriteArrayList<>();

    public SeverableTcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        acceptor = new Thread(this::acceptLoop, "severable-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Kills every connection open right now. */
    public void cutNow() {
        for (Link link : links) {
            link.close();
        }
    }

    /**
     * A database that went away: every open connection is killed and new ones are closed as soon as they
     * arrive, until {@link #restore()}.
     */
    public void sever() {
        refusing = true;
        cutNow();
    }

    /** Ends {@link #sever()} and {@link #stall()}: new connections reach the server again. */
    public void restore() {
        refusing = false;
        stalled = false;
    }

    /** From now on nothing flows: every open and new connection hangs without an answer (no reset, no refusal). */
    public void stall() {
        stalled = true;
    }

    /** The next request from any client reaches the server; its answer is dropped and that connection killed. */
    public void cutAfterNextRequestIsAnswered() {
        cutAfterAnswer.set(true);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                if (refusing) {
                    client.close();
                    continue;
                }
                if (stalled) {
                    heldClients.add(client); // accepted, never answered
                    continue;
                }
                Socket server = new Socket(targetHost, targetPort);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                Link link = new Link(client, server);
                links.add(link);
                if (refusing) {
                    // sever() ran while this connection was being made (after the check above, before it was listed):
                    // its cut did not see it, so it would have outlived the outage. Listed first, checked second, it cannot.
                    link.close();
                    continue;
                }
                link.start();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("[severable-proxy] accept failed: " + e);
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        cutNow();
        for (Socket held : heldClients) {
            held.close();
        }
    }

    /** One client connection and its server connection, pumped by two threads. */
    private final class Link {
        private final Socket client;
        private final Socket server;
        /** Set when this link forwarded the request whose answer must be dropped. */
        private volatile boolean dropNextAnswer;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void start() {
            Thread up = new Thread(this::pumpUp, "severable-proxy-up");
            Thread down = new Thread(this::pumpDown, "severable-proxy-down");
            up.setDaemon(true);
            down.setDaemon(true);
            up.start();
            down.start();
        }

        private void pumpUp() {
            byte[] buffer = new byte[16384];
            try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    if (stalled) {
                        continue; // swallowed: the server never hears it
                    }
                    if (cutAfterAnswer.compareAndSet(true, false)) {
                        dropNextAnswer = true; // before forwarding, so the answer cannot slip through
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the link was cut
            } finally {
                close();
            }
        }

        private void pumpDown() {
            byte[] buffer = new byte[16384];
            try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    if (stalled) {
                        continue; // swallowed: the client never hears it
                    }
                    if (dropNextAnswer) {
                        // The server has answered (COMMIT done); the client never hears it.
                        close();
                        return;
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException ignored) {
                // the link was cut
            } finally {
                close();
            }
        }

        void close() {
            links.remove(this);
            try {
                client.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
