package dev.endure.spring;

import dev.endure.config.EndureConfig;
import dev.endure.http.ResilientHttpClient;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.retry.RetryListener;
import dev.endure.spring.internal.HttpClientFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * A {@link ResilientHttpClient} bean per entry of {@code endure.http.clients}:
 *
 * <pre>
 * endure:
 *   http:
 *     clients:
 *       billing:
 *         policy: billing        # an entry of endure.policies: attempts, backoff, max duration, breaker, budget
 *         connectTimeout: 2s
 * </pre>
 *
 * The bean is named {@code endure.http.billing} and qualified {@code billing}. Its breakers and budgets
 * (one per host, named {@code billing@host:port}) live in the {@link ResilienceRegistry}, so the Actuator
 * endpoint and the metrics show them.
 */
@Configuration(proxyBeanMethods = false)
public class EndureHttpClientsConfiguration {

    public static final String PREFIX = "endure.http.clients";

    @Bean
    public static BeanDefinitionRegistryPostProcessor endureHttpClientRegistrar() {
        return new Registrar();
    }

    @Bean
    public ResilientHttpClients endureHttpClients(ObjectProvider<ResilientHttpClient> clients) {
        Map<String, ResilientHttpClient> byName = new LinkedHashMap<>();
        clients.orderedStream().forEach(client -> byName.put(client.name(), client));
        return new ResilientHttpClients(byName);
    }

    /** Registers one bean definition per configured client; the client itself is built when first needed. */
    static final class Registrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware {

        private Environment environment;

        @Override
        public void setEnvironment(Environment environment) {
            this.environment = environment;
        }

        @Override
        public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) {
            Set<String> names = Binder.get(environment)
                    .bind(PREFIX, Bindable.mapOf(String.class, Object.class))
                    .map(Map::keySet).orElse(Set.of());
            ListableBeanFactory beans = (ListableBeanFactory) registry;
            for (String name : names) {
                RootBeanDefinition definition = new RootBeanDefinition(ResilientHttpClient.class,
                        () -> HttpClientFactory.create(name, environment, beans.getBean(EndureConfig.class),
                                beans.getBean(ResilienceRegistry.class), beans.getBeanProvider(RetryListener.class).orderedStream().toList()));
                definition.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
                registry.registerBeanDefinition("endure.http." + name, definition);
            }
        }
    }
}
