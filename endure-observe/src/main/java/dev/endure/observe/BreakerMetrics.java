package dev.endure.observe;

import dev.endure.Cancellable;
import dev.endure.breaker.BreakerEvent;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Micrometer meters for one {@link CircuitBreaker}. Read from its snapshot at scrape time, plus a
 * listener for transitions (which happen rarely and never on the success path).
 *
 * <table>
 *   <caption>Meters, each tagged {@code name} (the breaker name)</caption>
 *   <tr><th>meter</th><th>type</th><th>what</th></tr>
 *   <tr><td>{@code endure.breaker.state}</td><td>gauge, tag {@code state} closed|open|half_open</td>
 *       <td>1 for the current state, 0 for the others: alert on {@code state="open"} == 1</td></tr>
 *   <tr><td>{@code endure.breaker.forced}</td><td>gauge</td><td>1 while an operator forces the state</td></tr>
 *   <tr><td>{@code endure.breaker.calls}</td><td>function counter, tag {@code outcome} success|failure|rejected</td>
 *       <td>calls counted by the breaker (slow calls among the failures), and calls rejected unrun</td></tr>
 *   <tr><td>{@code endure.breaker.slow.calls}</td><td>function counter</td><td>successful calls slower than the threshold</td></tr>
 *   <tr><td>{@code endure.breaker.failure.rate}</td><td>gauge</td><td>failures over calls in the window, 0 to 1 (NaN when empty)</td></tr>
 *   <tr><td>{@code endure.breaker.transitions}</td><td>counter, tags {@code from}, {@code to}</td><td>state changes</td></tr>
 * </table>
 */
public final class BreakerMetrics implements MeterBinder, AutoCloseable {

    private final CircuitBreaker breaker;
    private final Tags tags;
    private final BoundMeters meters;

    private BreakerMetrics(CircuitBreaker breaker, Iterable<Tag> extraTags) {
        this.breaker = Objects.requireNonNull(breaker, "breaker");
        this.tags = Tags.of("name", breaker.name()).and(extraTags);
        this.meters = new BoundMeters("circuit breaker '" + breaker.name() + "'");
    }

    public static BreakerMetrics of(CircuitBreaker breaker) {
        return new BreakerMetrics(breaker, Tags.empty());
    }

    public static BreakerMetrics of(CircuitBreaker breaker, Iterable<Tag> extraTags) {
        return new BreakerMetrics(breaker, extraTags);
    }

    /** The tag value of a state: {@code closed}, {@code open}, {@code half_open}. */
    public static String tagOf(BreakerState state) {
        return state.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        meters.bind(registry);
        for (BreakerState state : BreakerState.values()) {
            meters.add(Gauge.builder("endure.breaker.state", breaker, b -> b.state() == state ? 1 : 0)
                    .description("1 for the breaker's current state, 0 for the others")
                    .tags(tags).tag("state", tagOf(state)).register(registry));
        }
        meters.add(Gauge.builder("endure.breaker.forced", breaker, b -> b.isForced() ? 1 : 0)
                .description("1 while an operator forces the breaker open or closed").tags(tags).register(registry));
        meters.add(FunctionCounter.builder("endure.breaker.calls", breaker, b -> b.snapshot().successes())
                .description("Calls by how the breaker counted them").tags(tags).tag("outcome", "success").register(registry));
        meters.add(FunctionCounter.builder("endure.breaker.calls", breaker, b -> b.snapshot().failures())
                .description("Calls by how the breaker counted them").tags(tags).tag("outcome", "failure").register(registry));
        meters.add(FunctionCounter.builder("endure.breaker.calls", breaker, b -> b.snapshot().rejected())
                .description("Calls by how the breaker counted them").tags(tags).tag("outcome", "rejected").register(registry));
        meters.add(FunctionCounter.builder("endure.breaker.slow.calls", breaker, b -> b.snapshot().slowCalls())
                .description("Successful calls slower than the slow-call threshold (counted as failures)").tags(tags)
                .register(registry));
        meters.add(Gauge.builder("endure.breaker.failure.rate", breaker, b -> b.snapshot().failureRate())
                .description("Failures over calls in the sliding window, 0 to 1").tags(tags).register(registry));
        meters.listening(breaker.addListener(event -> {
            if (event instanceof BreakerEvent.StateChanged changed) {
                Counter counter = Counter.builder("endure.breaker.transitions")
                        .description("State changes of the breaker")
                        .tags(tags).tag("from", tagOf(changed.from())).tag("to", tagOf(changed.to()))
                        .register(registry);
                meters.add(counter).increment();
            }
        }));
    }

    /** Removes the meters from the registry and stops listening. */
    @Override
    public void close() {
        meters.close();
    }

    @Override
    public String toString() {
        return "BreakerMetrics[" + breaker.name() + "]";
    }
}
