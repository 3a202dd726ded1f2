package dev.endure.server.metrics;

import dev.endure.delivery.DeliveryState;
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
    public void recordRequest(String method, String route, int status, Duration took) {
        String methodLabel = KNOWN_METHODS.contains(method) ? method : "OTHER";
        String statusLabel = status >= 100 && status <= 599 ? Integer.toString(status) : "other";
        Timer.builder("endure.http.requests").tag("method", methodLabel).tag("route", route).tag("status", statusLabel)
                .register(registry).record(took);
    }

    /** Counts a delivery event by its kind (seed 003: scheduled, success, failed, disabled, ...). */
    public void countEvent(String kind, Map<String, String> tags) {
        var builder = io.micrometer.core.instrument.Counter.builder("endure.delivery.events").tag("event", kind);
        tags.forEach(builder::tag);
        builder.register(registry).increment();
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
