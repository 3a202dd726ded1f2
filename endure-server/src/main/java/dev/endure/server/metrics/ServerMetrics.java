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

    /** Records one API request; {@code route} is the route template, never the raw path (ids would explode the series). */
    public void recordRequest(String method, String route, int status, Duration took) {
        Timer.builder("endure.http.requests").tag("method", method).tag("route", route).tag("status", Integer.toString(status))
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
