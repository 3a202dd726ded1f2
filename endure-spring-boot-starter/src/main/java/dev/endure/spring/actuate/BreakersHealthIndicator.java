package dev.endure.spring.actuate;

import dev.endure.breaker.BreakerState;
import dev.endure.registry.ResilienceRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * DOWN while any breaker is OPEN (forced or not), UP otherwise, with each breaker's state as details.
 * Opt-in ({@code endure.health.breakers.enabled=true}): a breaker open to one optional dependency does not
 * always make the application unhealthy, and a load balancer that drops an instance for it may make things worse.
 */
public class BreakersHealthIndicator implements HealthIndicator {

    private final ResilienceRegistry registry;

    public BreakersHealthIndicator(ResilienceRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Health health() {
        Map<String, Object> states = new LinkedHashMap<>();
        boolean open = false;
        for (var entry : registry.circuitBreakers().entrySet()) {
            BreakerState state = entry.getValue().state();
            states.put(entry.getKey(), state.name());
            open |= state == BreakerState.OPEN;
        }
        return (open ? Health.down() : Health.up()).withDetails(states).build();
    }
}
