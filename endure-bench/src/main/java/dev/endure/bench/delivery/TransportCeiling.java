package dev.endure.bench.delivery;

import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.delivery.signing.WebhookSigner;
import dev.endure.delivery.transport.HttpClientTransport;
import dev.endure.delivery.transport.WebhookRequest;
import dev.endure.delivery.transport.WebhookResponse;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The ceiling of the delivery cells: the same signed POSTs to the same loopback receiver, sent by as many threads as a
 * worker has sends in flight, with no queue and no database. It is what any engine could reach on this machine with this
 * transport and receiver; an engine's deliveries/s divided by it is the share of the machine its queue leaves to the
 * work. Both engines of {@link DeliveryHarness} send through this transport, so its cost is common to both.
 *
 * <pre>java -cp endure-bench/target/endure-benchmarks.jar dev.endure.bench.delivery.TransportCeiling</pre>
 */
@Command(name = "transport-ceiling", mixinStandardHelpOptions = true,
        description = "Signed POSTs to the loopback receiver with no queue: the ceiling of the delivery cells.")
public final class TransportCeiling implements java.util.concurrent.Callable<Integer> {

    @Option(names = "--warmup", description = "Requests sent first, untimed (default: ${DEFAULT-VALUE})")
    int warmup = 10_000;

    @Option(names = "--messages", description = "Requests timed (default: ${DEFAULT-VALUE})")
    int messages = 20_000;

    @Option(names = "--concurrency", description = "Sending threads, as a worker's sends in flight (default: ${DEFAULT-VALUE})")
    int concurrency = 16;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TransportCeiling()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        WebhookSecret secret = WebhookSecret.generate();
        try (LoopbackReceiver receiver = new LoopbackReceiver(); HttpClientTransport transport = BenchWork.transport()) {
            URI url = URI.create(receiver.url());
            var guard = BenchWork.guard();
            run(transport, guard, url, secret, "warm", warmup);
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpuBefore = os.getProcessCpuTime();
            long start = System.nanoTime();
            run(transport, guard, url, secret, "sat", messages);
            double seconds = (System.nanoTime() - start) / 1e9;
            long cpu = os.getProcessCpuTime() - cpuBefore;
            System.out.printf(java.util.Locale.ROOT, "| transport ceiling (no queue, no database), %d threads | %d requests in %.2f s |"
                    + " **%.0f/s** | process CPU (senders and receiver) %.0f µs per request | %d connections |%n", concurrency, messages,
                    seconds, messages / seconds, cpu / 1e3 / messages, receiver.connectionsOpened());
        }
        return 0;
    }

    private void run(HttpClientTransport transport, dev.endure.delivery.ssrf.SsrfGuard guard, URI url, WebhookSecret secret,
            String prefix, int count) throws Exception {
        AtomicLong next = new AtomicLong();
        ExecutorService senders = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < concurrency; t++) {
                running.add(senders.submit(() -> {
                    for (long n = next.getAndIncrement(); n < count; n = next.getAndIncrement()) {
                        String body = BenchWork.payload(n, false);
                        var headers = WebhookSigner.headers(prefix + n, Instant.now(), body, List.of(secret));
                        WebhookResponse response = transport.send(new WebhookRequest(url, guard.vet(url), headers, body,
                                Duration.ofSeconds(10)));
                        if (response.status() != 200) {
                            throw new IllegalStateException("receiver answered " + response.status());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> sender : running) {
                sender.get();
            }
        } finally {
            senders.shutdown();
        }
    }
}
