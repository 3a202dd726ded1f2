package dev.endure.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;
import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.signing.WebhookSecret;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.endure.retry.Backoff;
import dev.endure.testing.TestDatabases;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: the delivery worker's per-endpoint adaptive concurrency limit. A receiver that can take K requests at
 * once answers 429 to any beyond; the worker starts well above K and must settle under it without losing a delivery.
 */
class AdaptiveEndpointConcurrencyTest {

    private static final int K = 4;
    private static final int MESSAGES = 300;

    /** One request as the receiver saw it: how many were in flight with it, and what it answered. */
    record Arrival(int inFlight, int status) {}

    @Test
    void theInFlightCountSettlesUnderWhatTheReceiverTakesAndEveryMessageArrives() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        List<Arrival> arrivals = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        receiver.setExecutor(Executors.newFixedThreadPool(32));
        receiver.createContext("/in", exchange -> {
            int now = inFlight.incrementAndGet();
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                int status = now > K ? 429 : 200;
                arrivals.add(new Arrival(now, status));
                if (status == 200) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // the receiver's own work per request
                }
                exchange.sendResponseHeaders(status, -1);
            } finally {
                inFlight.decrementAndGet();
            }
        });
        receiver.start();
        try (HikariDataSource pool = PooledTestDatabase.pool(TestDatabases.postgres().dataSource())) {
            JdbcDeliveryStore store = JdbcDeliveryStore.migrate(pool);
            DeliveryService service = DeliveryService.builder(store).ssrfGuard(SsrfGuard.defaults().allowingLoopback()).build();
            service.createEndpoint(Endpoint.of("ep_k", URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/in"),
                    WebhookSecret.generate()));
            for (int i = 0; i < MESSAGES; i++) {
                service.send(NewMessage.of("test.adaptive", "{\"n\":" + i + "}", null), "ep_k");
            }
            DeliveryPolicy policy = DeliveryPolicy.builder().backoff(Backoff.exponential(Duration.ofMillis(20), 1.0))
                    .maxAttempts(100).failureRate(FailureRateRule.NEVER).build();
            try (DeliveryWorker worker = DeliveryWorker.builder(store).owner("adaptive").policy(policy).breaker(null)
                    .ssrfGuard(SsrfGuard.defaults().allowingLoopback()).concurrency(16).pollInterval(Duration.ofMillis(10))
                    .adaptiveConcurrency(ConcurrencyLimitPolicy.adaptive("webhook").initialLimit(16).maxLimit(16).minWindowSamples(8)
                            .build(), true)
                    .build()) {
                worker.start();
                // The limit as it stands once the run is past half its arrivals, sampled every 5 ms: a probe above K and
                // its shrink take a few milliseconds, so one reading at the end can catch a probe; the settled level is the mean.
                List<Integer> settled = new CopyOnWriteArrayList<>();
                java.util.concurrent.ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
                sampler.scheduleAtFixedRate(() -> {
                    if (arrivals.size() >= MESSAGES / 2) {
                        worker.adaptiveLimit("ep_k").ifPresent(l -> settled.add(l.limit()));
                    }
                }, 5, 5, TimeUnit.MILLISECONDS);
                try {
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                            .until(() -> store.countsByState().get(DeliveryState.DELIVERED) == MESSAGES);
                } finally {
                    sampler.shutdownNow();
                }
                ConcurrencyLimit limit = worker.adaptiveLimit("ep_k").orElseThrow();
                List<Arrival> seen = List.copyOf(arrivals);
                List<Arrival> firstQuarter = seen.subList(0, seen.size() / 4);
                List<Arrival> lastHalf = seen.subList(seen.size() / 2, seen.size());
                long throttledEarly = firstQuarter.stream().filter(a -> a.status() == 429).count();
                long throttledLate = lastHalf.stream().filter(a -> a.status() == 429).count();
                System.out.printf("adaptive endpoint limit: %d arrivals for %d messages; 429s %d of %d in the first quarter, %d of %d"
                        + " in the last half; limit now %d (K = %d)%n", seen.size(), MESSAGES, throttledEarly, firstQuarter.size(),
                        throttledLate, lastHalf.size(), limit.limit(), K);
                assertThat(store.countsByState().get(DeliveryState.FAILED)).isZero();
                assertThat(throttledEarly).as("the worker started above what the receiver takes").isPositive();
                // Settled: the limit probes one above K now and then (that is how it finds more room), so a few 429s remain.
                double meanSettled = settled.stream().mapToInt(Integer::intValue).average().orElseThrow();
                System.out.printf("settled limit: mean %.2f over %d samples%n", meanSettled, settled.size());
                assertThat(meanSettled).isBetween(1.0, K + 1.0);
                assertThat(limit.limit()).isPositive();
                assertThat(throttledLate).isLessThanOrEqualTo(lastHalf.size() / 5);
                assertThat(lastHalf.stream().filter(a -> a.inFlight() <= K).count()).isGreaterThanOrEqualTo(lastHalf.size() * 4L / 5);
            }
        } finally {
            receiver.stop(0);
        }
    }
}
