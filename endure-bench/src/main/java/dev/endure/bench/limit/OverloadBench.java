package dev.endure.bench.limit;

import com.sun.net.httpserver.HttpServer;
import dev.endure.Verdict;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitExceededException;
import dev.endure.limit.ConcurrencyLimitPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * An adaptive limit in front of a loopback HTTP service whose latency grows with concurrency ({@code --workers}
 * calls at {@code --service-time} each; beyond that every call slows in proportion, as on a shared CPU). First an
 * unloaded phase at half the capacity, without a limit, for the reference p99; then requests arrive at
 * {@code --load} times the capacity through the limit for {@code --duration}. Reports goodput against capacity,
 * p99 against the unloaded p99 and how far the limit drifted.
 *
 * <pre>
 * java -cp endure-bench/target/endure-benchmarks.jar dev.endure.bench.limit.OverloadBench --duration PT2M
 * java -cp endure-bench/target/endure-benchmarks.jar dev.endure.bench.limit.OverloadBench --duration PT10M   # the long run
 * </pre>
 */
@Command(name = "overload-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Goodput, p99 and limit drift of an adaptive concurrency limit under overload of a loopback HTTP service.")
public final class OverloadBench implements Callable<Integer> {

    @Option(names = "--workers", description = "Calls the service runs at full speed (default: ${DEFAULT-VALUE}).", defaultValue = "8")
    int workers;

    @Option(names = "--service-time", description = "One call's time when unloaded (default: ${DEFAULT-VALUE}).", defaultValue = "PT0.02S")
    Duration serviceTime;

    @Option(names = "--load", description = "Arrivals as a multiple of capacity (default: ${DEFAULT-VALUE}).", defaultValue = "2.0")
    double load;

    @Option(names = "--duration", description = "The overload phase (default: ${DEFAULT-VALUE}; the issue's long run: PT10M).",
            defaultValue = "PT2M")
    Duration duration;

    @Option(names = "--unloaded", description = "The unloaded reference phase (default: ${DEFAULT-VALUE}).", defaultValue = "PT10S")
    Duration unloaded;

    public static void main(String[] args) {
        System.exit(new CommandLine(new OverloadBench()).execute(args));
    }

    /** Where a phase's measurement starts: after 20 s, or after half of a shorter phase. */
    static long settling(Duration length) {
        return Math.min(Duration.ofSeconds(20).toNanos(), length.toNanos() / 2);
    }

    @Override
    public Integer call() throws Exception {
        AtomicInteger inService = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        server.setExecutor(Executors.newCachedThreadPool());
        long baseNanos = serviceTime.toNanos();
        server.createContext("/work", exchange -> {
            int sharing = inService.incrementAndGet();
            try {
                TimeUnit.NANOSECONDS.sleep((long) (baseNanos * Math.max(1.0, (double) sharing / workers)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inService.decrementAndGet();
            }
            byte[] body = "ok".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/work");
        double capacity = workers * 1e9 / baseNanos;
        // HTTP/1.1: the JDK's server speaks no HTTP/2, and an upgrade attempt per new connection would be measured too.
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(Executors.newFixedThreadPool(4)).build();
        ExecutorService callers = Executors.newCachedThreadPool();
        try {
            run(client, callers, uri, null, capacity * 0.5, Duration.ofSeconds(5)); // warm-up: JIT, threads, connections
            Phase reference = run(client, callers, uri, null, capacity * 0.5, unloaded);
            ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.adaptive("overload-bench").build());
            Phase overload = run(client, callers, uri, limit, capacity * load, duration);
            System.out.printf(Locale.ROOT, "service: %d workers × %d ms (capacity %.0f calls/s); load %.1f× for %s%n", workers,
                    serviceTime.toMillis(), capacity, load, duration);
            System.out.printf(Locale.ROOT, "unloaded (0.5× capacity, no limit): p99 %.1f ms%n", reference.p99Millis());
            System.out.printf(Locale.ROOT, "overload: goodput %.0f/s = %.2f× capacity; p99 %.1f ms = %.2f× unloaded p99; %d shed%n",
                    overload.goodput(), overload.goodput() / capacity, overload.p99Millis(), overload.p99Millis() / reference.p99Millis(),
                    overload.shed);
            System.out.printf(Locale.ROOT, "limit: %s; per-10-s means after the first 20 s: %s; drift (max - min) / mean %.1f %%,"
                    + " last minute vs first minute %.1f %%%n", limit, overload.limitMeans, 100 * overload.drift(),
                    100 * overload.minuteDrift());
        } finally {
            callers.shutdownNow();
            server.stop(0);
        }
        return 0;
    }

    private record Phase(double goodput, List<Long> latencies, long shed, List<Double> limitMeans) {
        double p99Millis() {
            if (latencies.isEmpty()) {
                return Double.NaN;
            }
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)) / 1e6;
        }

        double drift() {
            if (limitMeans.isEmpty()) {
                return 0;
            }
            double mean = limitMeans.stream().mapToDouble(Double::doubleValue).average().orElse(1);
            return (Collections.max(limitMeans) - Collections.min(limitMeans)) / mean;
        }

        double minuteDrift() {
            if (limitMeans.size() < 12) {
                return drift();
            }
            double first = limitMeans.subList(0, 6).stream().mapToDouble(Double::doubleValue).average().orElse(1);
            double last = limitMeans.subList(limitMeans.size() - 6, limitMeans.size()).stream().mapToDouble(Double::doubleValue).average().orElse(1);
            return Math.abs(last - first) / first;
        }
    }

    /** Open-loop arrivals at {@code rate} per second for {@code length}; the second half of the run is measured. */
    private static Phase run(HttpClient client, ExecutorService callers, URI uri, ConcurrencyLimit limit, double rate, Duration length)
            throws InterruptedException {
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        LongAdder good = new LongAdder();
        LongAdder shed = new LongAdder();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build();
        long start = System.nanoTime();
        long measureFrom = start + settling(length);
        long end = start + length.toNanos();
        List<Double> limitMeans = new ArrayList<>();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        double[] sum = {0};
        int[] count = {0};
        if (limit != null) {
            sampler.scheduleAtFixedRate(() -> {
                if (System.nanoTime() >= measureFrom) {
                    sum[0] += limit.limit();
                    count[0]++;
                    if (count[0] == 100) {
                        limitMeans.add(sum[0] / count[0]);
                        sum[0] = 0;
                        count[0] = 0;
                    }
                }
            }, 100, 100, TimeUnit.MILLISECONDS);
        }
        long gap = (long) (1e9 / rate);
        for (long next = start; next < end; next += gap) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            boolean measured = next >= measureFrom;
            callers.execute(() -> {
                long permit = 0;
                if (limit != null) {
                    try {
                        permit = limit.acquire();
                    } catch (ConcurrencyLimitExceededException full) {
                        shed.increment();
                        return;
                    }
                }
                long begin = System.nanoTime();
                Verdict verdict = Verdict.success();
                try {
                    HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() != 200) {
                        verdict = Verdict.retry("HTTP " + response.statusCode());
                    }
                } catch (IOException e) {
                    verdict = Verdict.retry("I/O: " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    verdict = Verdict.fail("interrupted");
                } finally {
                    if (limit != null) {
                        limit.release(permit, verdict);
                    }
                }
                if (measured && verdict.kind() == Verdict.Kind.SUCCESS) {
                    good.increment();
                    latencies.add(System.nanoTime() - begin);
                }
            });
        }
        sampler.shutdownNow();
        double measuredSeconds = (end - measureFrom) / 1e9;
        return new Phase(good.sum() / measuredSeconds, latencies, shed.sum(), limitMeans);
    }
}
