package dev.endure.spring;

import dev.endure.breaker.BreakerListener;
import dev.endure.budget.BudgetStore;
import dev.endure.config.EndureConfig;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.retry.RetryListener;
import dev.endure.spring.internal.BreakerTransitions;
import dev.endure.spring.internal.ResilientMethodInterceptor;
import dev.endure.spring.internal.ResilientMethods;
import dev.endure.spring.internal.RetryListenerAttacher;
import dev.endure.spring.internal.SpringConfigLoader;
import dev.endure.spring.internal.ProxyCreatorRegistrar;
import java.lang.reflect.Method;
import org.springframework.aop.Advisor;
import org.springframework.aop.support.StaticMethodMatcherPointcutAdvisor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Endure for Spring Boot: the {@code endure.*} settings as an {@link EndureConfig} (validated by
 * endure-config, errors with their full key paths), a {@link ResilienceRegistry} holding every breaker,
 * budget and policy pipeline they define, and the {@code @Retry}, {@code @CircuitBreaker},
 * {@code @RetryBudget} and {@code @Fallback} annotations on beans. Transaction retry, metrics, Actuator and
 * HTTP clients are configured by the classes imported here when their libraries are present.
 */
@AutoConfiguration
@Import({ProxyCreatorRegistrar.class, EndureTransactionRetryConfiguration.class, EndureHttpClientsConfiguration.class})
public class EndureAutoConfiguration {

    /** Outside every other advisor but transaction retry: the retry must wrap transactions and other advice. */
    public static final int RESILIENT_METHOD_ORDER = Ordered.HIGHEST_PRECEDENCE + 1;

    @Bean
    @ConditionalOnMissingBean
    public EndureConfig endureConfig(Environment environment) {
        return SpringConfigLoader.load(environment, ClassUtils.getDefaultClassLoader());
    }

    @Bean
    public BreakerTransitions endureBreakerTransitions() {
        return new BreakerTransitions();
    }

    /**
     * Every breaker and budget of {@code endure.*} and a pipeline per policy, created at startup so the
     * Actuator endpoint and the metrics show them before the first call. Budgets marked {@code shared} pool
     * through the {@link BudgetStore} bean ({@link EndureBudgetStoreAutoConfiguration}). Breaker listener and retry listener
     * beans are given to everything it holds.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public ResilienceRegistry endureResilienceRegistry(EndureConfig config, BreakerTransitions transitions,
            ObjectProvider<BreakerListener> breakerListeners, ObjectProvider<RetryListener> retryListeners,
            ObjectProvider<BudgetStore> budgetStore) {
        ResilienceRegistry.Builder builder = ResilienceRegistry.builder();
        budgetStore.ifUnique(builder::budgetStore);
        breakerListeners.orderedStream().forEach(builder::breakerListener);
        if (breakerListeners.orderedStream().noneMatch(listener -> listener == transitions)) {
            builder.breakerListener(transitions);
        }
        ResilienceRegistry registry = builder.build();
        registry.addListener(transitions);
        registry.addListener(new RetryListenerAttacher(retryListeners.orderedStream().toList()));
        config.registerAll(registry);
        config.policies().keySet().forEach(name -> config.pipeline(name, registry));
        return registry;
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static ResilientMethods endureResilientMethods(ObjectProvider<EndureConfig> config,
            ObjectProvider<ResilienceRegistry> registry) {
        return new ResilientMethods(config, registry);
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static Advisor endureResilientMethodAdvisor(ObjectProvider<ResilientMethods> methods) {
        StaticMethodMatcherPointcutAdvisor advisor = new StaticMethodMatcherPointcutAdvisor() {
            private static final long serialVersionUID = 1L;

            @Override
            public boolean matches(Method method, Class<?> targetClass) {
                return ResilientMethods.isResilient(method, targetClass);
            }
        };
        advisor.setAdvice(new ResilientMethodInterceptor(methods.getObject()));
        advisor.setOrder(RESILIENT_METHOD_ORDER);
        return advisor;
    }

    /** Resolves every annotated method as its bean is created, so a wrong name or fallback fails startup. */
    @Bean
    public static BeanPostProcessor endureResilientMethodValidator(ObjectProvider<ResilientMethods> methods) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String beanName) {
                methods.getObject().validate(ClassUtils.getUserClass(bean));
                return bean;
            }
        };
    }
}
