package dev.endure.delivery.internal;

import dev.endure.Clock;
import dev.endure.delivery.spi.EndpointRateLimits;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One {@link RateLimiter} per endpoint on this node; a changed rate starts a fresh limiter. */
public final class LocalRateLimits implements EndpointRateLimits {

    private final Clock clock;
    private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();

    public LocalRateLimits(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean tryAcquire(String endpointId, double perSecond) {
        RateLimiter limiter = limiters.get(endpointId);
        if (limiter == null || limiter.intervalNanos() != RateLimiter.intervalNanos(perSecond)) {
            limiter = new RateLimiter(perSecond, clock);
            limiters.put(endpointId, limiter);
        }
        return limiter.tryAcquire();
    }
}
