package dev.endure.delivery.internal;

import dev.endure.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A per-endpoint rate limit on one node: the generic cell rate algorithm, one atomic "theoretical
 * arrival time", no lock. Allows bursts of up to one second's worth of requests (at least one).
 */
public final class RateLimiter {

    private final Clock clock;
    private final long intervalNanos;
    private final long burstNanos;
    private final AtomicLong theoreticalArrival;

    public RateLimiter(double perSecond, Clock clock) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive (was " + perSecond + ")");
        }
        this.clock = clock;
        this.intervalNanos = intervalNanos(perSecond);
        this.burstNanos = Math.max(intervalNanos, 1_000_000_000L) - intervalNanos;
        this.theoreticalArrival = new AtomicLong(clock.nanoTime());
    }

    /** Takes one permit if available now; never waits. */
    public boolean tryAcquire() {
        while (true) {
            long now = clock.nanoTime();
            long current = theoreticalArrival.get();
            long base = current - now > 0 ? current : now;
            if (base - now > burstNanos) {
                return false;
            }
            if (theoreticalArrival.compareAndSet(current, base + intervalNanos)) {
                return true;
            }
        }
    }

    /** The spacing of permits at {@code perSecond}. */
    public static long intervalNanos(double perSecond) {
        return Math.max(1, (long) (1_000_000_000L / perSecond));
    }

    public long intervalNanos() {
        return intervalNanos;
    }
}
