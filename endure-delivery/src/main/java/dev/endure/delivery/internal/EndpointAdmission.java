package dev.endure.delivery.internal;

import dev.endure.Clock;
import dev.endure.delivery.spi.DeliveryStore;
import dev.endure.delivery.Endpoint;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A worker's admission of claim candidates: per endpoint, its concurrency bound (counted across nodes from
 * live leases) and its rate limit (on this node). Refused pending candidates move back a second so that a
 * throttled endpoint's backlog does not fill every later batch.
 */
public final class EndpointAdmission {

    private final Clock clock;
    private final Map<String, RateLimiter> limiters = new ConcurrentHashMap<>();

    public EndpointAdmission(Clock clock) {
        this.clock = clock;
    }

    /** The admission for one claim, over the endpoints as they are now. */
    public DeliveryStore.ClaimAdmission over(List<Endpoint> current) {
        Map<String, Endpoint> endpoints = new HashMap<>();
        for (Endpoint endpoint : current) {
            endpoints.put(endpoint.id(), endpoint);
        }
        return new DeliveryStore.ClaimAdmission() {
            @Override
            public boolean admit(String endpointId, int inFlight) {
                Endpoint endpoint = endpoints.get(endpointId);
                if (endpoint == null) {
                    return false;
                }
                if (endpoint.maxConcurrency() > 0 && inFlight >= endpoint.maxConcurrency()) {
                    return false;
                }
                try {
                    return endpoint.rateLimitPerSecond() <= 0 || limiter(endpoint).tryAcquire();
                } catch (RuntimeException badSetting) {
                    return true; // one endpoint's bad setting must not stop the claim: its attempt records the failure
                }
            }

            @Override
            public boolean countsInFlight(String endpointId) {
                Endpoint endpoint = endpoints.get(endpointId);
                return endpoint != null && endpoint.maxConcurrency() > 0;
            }

            @Override
            public Duration deferRefused() {
                return Duration.ofSeconds(1);
            }
        };
    }

    private RateLimiter limiter(Endpoint endpoint) {
        RateLimiter limiter = limiters.get(endpoint.id());
        if (limiter == null || limiter.intervalNanos() != Math.max(1, (long) (1_000_000_000L / endpoint.rateLimitPerSecond()))) {
            limiter = new RateLimiter(endpoint.rateLimitPerSecond(), clock);
            limiters.put(endpoint.id(), limiter);
        }
        return limiter;
    }
}
