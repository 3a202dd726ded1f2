package dev.endure.observe;

import dev.endure.Cancellable;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The meters one binder registered, the registry they went to and the listener that feeds them: what
 * {@link RetryMetrics}, {@link BreakerMetrics} and {@link BudgetMetrics} each bind once and remove again
 * on {@code close()}.
 */
final class BoundMeters {

    private final String owner;
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private final AtomicReference<MeterRegistry> registry = new AtomicReference<>();
    private volatile Cancellable listening;

    /** @param owner what the meters describe, for the error message, e.g. {@code circuit breaker 'billing'} */
    BoundMeters(String owner) {
        this.owner = owner;
    }

    /** Claims {@code target} as the one registry; a binder binds once. */
    MeterRegistry bind(MeterRegistry target) {
        if (!registry.compareAndSet(null, target)) {
            throw new IllegalStateException("metrics of " + owner + " are already bound to a registry");
        }
        return target;
    }

    /** Remembers a registered meter so that {@link #close()} removes it; registering twice keeps one. */
    <M extends Meter> M add(M meter) {
        if (!meters.contains(meter)) {
            meters.add(meter);
        }
        return meter;
    }

    /** The listener subscription that {@link #close()} ends. */
    void listening(Cancellable subscription) {
        listening = subscription;
    }

    /** Stops listening and removes every meter from the registry. */
    void close() {
        Cancellable current = listening;
        if (current != null) {
            current.cancel();
        }
        MeterRegistry bound = registry.get();
        if (bound != null) {
            meters.forEach(bound::remove);
        }
    }
}
