package dev.endure.bench.amplification;

import com.sun.net.httpserver.HttpServer;
import dev.endure.VirtualTime;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.http.ResilientHttpClient;
import dev.endure.retry.Backoff;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How much load retries add to a host that fails every request: calls arrive at a steady rate (on the
 * client's virtual clock, so a minute of traffic runs in seconds), each may make up to 4 attempts with no
 * backoff wait, and a real loopback server counts the requests that reach it. Amplification = requests the
 * server saw / calls made. Two failing hosts: one answers 503 to everything, one reads each request and
 * closes the connection without a byte (where the JDK's client resends a GET by itself; Endure counts and
 * charges that resend). Three budgets: none, the default (20 % of calls + 10 retries/s over 10 s) and a
 * strict one (10 % + 0.1 retries/s).
 *
 * <pre>
 * mvn -B -q -o -pl endure-bench -am package -DskipTests
 * java -cp endure-bench/target/endure-benchmarks.jar dev.endure.bench.amplification.AmplificationHarness
 * </pre>
 */
public final class AmplificationHarness {

    /** One row of the table. */
    public record Row(String host, String budget, double callsPerSecond, int calls, int requests) {
        public double amplification() {
            return (double) requests / calls;
        }

        /** The budget's bound on the amplification: 1 + ratio + floor / rate, and never above the max attempts. */
        static double bound(RetryBudgetPolicy budget, double callsPerSecond, int maxAttempts) {
            if (budget == null) {
                return maxAttempts;
            }
            return Math.min(maxAttempts, 1 + budget.maxRetryRatio() + budget.minRetriesPerSecond() / callsPerSecond);
        }
    }

    public static final int MAX_ATTEMPTS = 4;
    public static final RetryBudgetPolicy STRICT = RetryBudgetPolicy.builder().name("strict").maxRetryRatio(0.1)
            .minRetriesPerSecond(0.1).window(Duration.ofSeconds(10)).build();

    private AmplificationHarness() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        System.out.println("| failing host | budget | calls/s | calls | requests seen | amplification | budget's bound |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        for (Row row : run(seconds, new double[] {83, 7})) {
            RetryBudgetPolicy budget = row.budget().equals("none") ? null
                    : row.budget().equals("strict") ? STRICT : RetryBudgetPolicy.named("default");
            System.out.printf(Locale.ROOT, "| %s | %s | %.0f | %d | %d | %.2f× | %.2f× |%n", row.host(), row.budget(),
                    row.callsPerSecond(), row.calls(), row.requests(), row.amplification(),
                    Row.bound(budget, row.callsPerSecond(), MAX_ATTEMPTS));
        }
    }

    /** Every combination of failing host, budget and rate, each for {@code seconds} of traffic. */
    public static List<Row> run(int seconds, double[] rates) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (String host : new String[] {"503 always", "closes (GET)"}) {
            for (double rate : rates) {
                rows.add(one(host, "none", null, rate, seconds));
                rows.add(one(host, "default", RetryBudgetPolicy.named("default"), rate, seconds));
                rows.add(one(host, "strict", STRICT, rate, seconds));
            }
        }
        return rows;
    }

    static Row one(String host, String budgetName, RetryBudgetPolicy budget, double rate, int seconds) throws Exception {
        AtomicInteger requests = new AtomicInteger();
        try (FailingHost server = host.startsWith("503") ? FailingHost.answering503(requests) : FailingHost.closing(requests)) {
            VirtualTime time = new VirtualTime();
            ResilientHttpClient.Builder builder = ResilientHttpClient.builder(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build())
                    .name("amplification").time(time).maxAttempts(MAX_ATTEMPTS).backoff(Backoff.none()).maxDuration(null);
            if (budget != null) {
                builder.retryBudgetPerHost(budget);
            }
            ResilientHttpClient client = builder.build();
            HttpRequest get = HttpRequest.newBuilder(server.uri()).GET().build();
            int calls = (int) Math.round(rate * seconds);
            long gapNanos = (long) (1e9 / rate);
            for (int i = 0; i < calls; i++) {
                try {
                    client.send(get, BodyHandlers.discarding());
                } catch (IOException expected) {
                    // every call fails; the count is what matters
                }
                time.advance(Duration.ofNanos(gapNanos));
            }
            return new Row(host, budgetName, rate, calls, requests.get());
        }
    }

    /** A loopback host that fails every request it receives, counting them. */
    interface FailingHost extends AutoCloseable {
        URI uri();

        @Override
        void close();

        static FailingHost answering503(AtomicInteger requests) throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                requests.incrementAndGet();
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
            });
            server.start();
            return new FailingHost() {
                public URI uri() {
                    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
                }

                public void close() {
                    server.stop(0);
                }
            };
        }

        static FailingHost closing(AtomicInteger requests) throws IOException {
            ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket socket = server.accept()) {
                        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                        String line;
                        while ((line = in.readLine()) != null && !line.isEmpty()) {
                            // read the request head; a GET has no body
                        }
                        if (line != null) {
                            requests.incrementAndGet(); // a whole request: close without answering
                        }
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "closing-host");
            acceptor.setDaemon(true);
            acceptor.start();
            return new FailingHost() {
                public URI uri() {
                    return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/");
                }

                public void close() {
                    try {
                        server.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            };
        }
    }
}
