package dev.endure.observe;

import dev.endure.budget.RetryBudget;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Micrometer meters for one {@link RetryBudget}, read from its stats at scrape time.
 *
 * <table>
 *   <caption>Meters, each tagged {@code name} (the budget name)</caption>
 *   <tr><th>meter</th><th>type</th><th>what</th></tr>
 *   <tr><td>{@code endure.budget.calls}</td><td>function counter</td><td>calls that deposited into the budget</td></tr>
 *   <tr><td>{@code endure.budget.retries}</td><td>function counter, tag {@code outcome} allowed|rejected</td>
 *       <td>retries the budget allowed or refused</td></tr>
 *   <tr><td>{@code endure.budget.available}</td><td>gauge</td><td>retries it would allow right now</td></tr>
 * </table>
 */
public final class BudgetMetrics implements MeterBinder, AutoCloseable {

    private final RetryBudget budget;
    private final Tags tags;
    private final BoundMeters meters;

    private BudgetMetrics(RetryBudget budget, Iterable<Tag> extraTags) {
        this.budget = Objects.requireNonNull(budget, "budget");
        this.tags = Tags.of("name", budget.name()).and(extraTags);
        this.meters = new BoundMeters("retry budget '" + budget.name() + "'");
    }

    public static BudgetMetrics of(RetryBudget budget) {
        return new BudgetMetrics(budget, Tags.empty());
    }

    public static BudgetMetrics of(RetryBudget budget, Iterable<Tag> extraTags) {
        return new BudgetMetrics(budget, extraTags);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        meters.bind(registry);
        meters.add(FunctionCounter.builder("endure.budget.calls", budget, b -> b.stats().calls())
                .description("Calls that deposited into the retry budget").tags(tags).register(registry));
        meters.add(FunctionCounter.builder("endure.budget.retries", budget, b -> b.stats().retriesAllowed())
                .description("Retries by the budget's answer").tags(tags).tag("outcome", "allowed").register(registry));
        meters.add(FunctionCounter.builder("endure.budget.retries", budget, b -> b.stats().retriesRejected())
                .description("Retries by the budget's answer").tags(tags).tag("outcome", "rejected").register(registry));
        meters.add(Gauge.builder("endure.budget.available", budget, RetryBudget::available)
                .description("Retries the budget would allow right now").tags(tags).register(registry));
    }

    /** Removes the meters from the registry. */
    @Override
    public void close() {
        meters.close();
    }

    @Override
    public String toString() {
        return "BudgetMetrics[" + budget.name() + "]";
    }
}
