package dev.endure.spring;

import dev.endure.observe.EndureMetrics;
import dev.endure.registry.ResilienceRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Binds endure-observe's meters (retries, breaker states, budget balances) for everything in the
 * {@link ResilienceRegistry} to each Micrometer {@code MeterRegistry} of the application, through Spring
 * Boot's {@link MeterBinder} support. {@code endure.metrics.enabled=false} turns it off.
 */
@AutoConfiguration(after = EndureAutoConfiguration.class)
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnProperty(prefix = "endure.metrics", name = "enabled", matchIfMissing = true)
public class EndureMetricsAutoConfiguration {

    @Bean
    public MeterBinder endureMeterBinder(ResilienceRegistry registry) {
        return meters -> EndureMetrics.bind(registry, meters);
    }
}
