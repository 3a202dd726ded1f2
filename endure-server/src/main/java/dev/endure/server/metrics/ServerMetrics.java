package dev.endure.server.metrics;

import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.WorkerHealth;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;

/**
 * The server's Micrometer registry, scraped as Prometheus text at {@code /metrics}: queue depth by
 * state (from the latest {@link QueueHistory} sample, so a scrape never queries the database), API
 * request timings by route and status, delivery events, and the JVM's own meters.
 */
public final class ServerMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private volatile java.util.function.Supplier<WorkerHealth> workerHealth;

    public ServerMetrics(QueueHistory history) {
        for (DeliveryState state : DeliveryState.values()) {
            Gauge.builder("endure.deliveries", history, h -> {
                QueueHistory.Sample latest = h.latest();
                return latest == null ? Double.NaN : latest.counts().getOrDefault(state, 0L);
            }).tag("state", state.name().toLowerCase()).description("Deliveries in each state, from the latest sample")
                    .register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gc.bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The methods the API has routes for; any other (made up by a client) is counted as {@code OTHER}. */
    private static final java.util.Set<String> KNOWN_METHODS = java.util.Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    /**
     * Records one API request. Every label comes from a bounded set, so no client can grow the series
     * without limit: {@code route} is a route template or {@code unmatched} (never the raw path, whose
     * ids would explode the series), an unknown method is {@code OTHER}, an odd status {@code other}.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Timer> requestTimers = new java.util.concurrent.ConcurrentHashMap<>();

    public void recordRequest(String method, String route, int status, Duration took) {
        String methodLabel = KNOWN_METHODS.contains(method) ? method : "OTHER";
        String statusLabel = status >= 100 && status <= 599 ? Integer.toString(status) : "other";
        // One timer per method, route and status, looked up without building its id each request.
        requestTimers.computeIfAbsent(methodLabel + ' ' + statusLabel + ' ' + route, key -> Timer.builder("endure.http.requests")
                .tag("method", methodLabel).tag("route", route).tag("status", statusLabel).register(registry)).record(took);
    }

    /** Counts a delivery event by its kind (seed 003: scheduled, success, failed, disabled, ...). */
    public void countEvent(String kind, Map<String, String> tags) {
        var builder = io.micrometer.core.instrument.Counter.builder("endure.delivery.events").tag("event", kind);
        tags.forEach(builder::tag);
        builder.register(registry).increment();
    }

    /**
     * The worker's own trouble: {@code endure.worker.healthy} (1 or 0), and counters of failed claim polls,
     * store writes retried, lease renewals that failed, and attempts that failed before reaching the endpoint.
     */
    public void watchWorker(java.util.function.Supplier<WorkerHealth> health) {
        this.workerHealth = health; // meters hold their source weakly: keep it reachable for as long as the registry

        Gauge.builder("endure.worker.healthy", health, h -> h.get().healthy() ? 1 : 0)
                .description("1 while the worker can claim and record; 0 while the store refuses it or claims keep failing")
                .register(registry);
        FunctionCounter.builder("endure.worker.claim.failures", health, h -> h.get().claimFailures())
                .description("Claim polls that failed").register(registry);
        FunctionCounter.builder("endure.worker.store.retries", health, h -> h.get().storeWriteRetries())
                .description("Store reads and writes of an attempt that failed because the store was unreachable, and were retried")
                .register(registry);
        FunctionCounter.builder("endure.worker.lease.renewal.failures", health, h -> h.get().leaseRenewalFailures())
                .description("Heartbeats that could not renew the leases of deliveries in flight").register(registry);
        FunctionCounter.builder("endure.worker.preparation.failures", health, h -> h.get().preparationFailures())
                .description("Attempts that failed before reaching the endpoint (bad URL or settings), recorded on their delivery")
                .register(registry);
    }

    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
