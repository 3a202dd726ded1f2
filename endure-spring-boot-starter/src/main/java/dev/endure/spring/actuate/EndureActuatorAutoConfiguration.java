package dev.endure.spring.actuate;

import dev.endure.registry.ResilienceRegistry;
import dev.endure.spring.EndureAutoConfiguration;
import dev.endure.spring.internal.BreakerTransitions;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The {@code endure} Actuator endpoint and the opt-in breaker health indicator. */
@AutoConfiguration(after = EndureAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
public class EndureActuatorAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    public EndureEndpoint endureEndpoint(ResilienceRegistry registry, BreakerTransitions transitions) {
        return new EndureEndpoint(registry, transitions);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnProperty(prefix = "endure.health.breakers", name = "enabled", havingValue = "true")
    static class BreakerHealth {

        /** Shown as {@code endureBreakers} in {@code /actuator/health}. */
        @Bean
        public BreakersHealthIndicator endureBreakersHealthIndicator(ResilienceRegistry registry) {
            return new BreakersHealthIndicator(registry);
        }
    }
}
