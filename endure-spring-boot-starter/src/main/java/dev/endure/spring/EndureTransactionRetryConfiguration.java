package dev.endure.spring;

import dev.endure.config.EndureConfig;
import dev.endure.jdbc.SqlStates;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.spring.annotation.TransactionRetry;
import dev.endure.spring.internal.CommitFailures;
import dev.endure.spring.internal.TransactionRetryInterceptor;
import java.util.Map;
import org.springframework.aop.Advisor;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.Ordered;
import org.springframework.transaction.ConfigurableTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.interceptor.TransactionAttributeSourceAdvisor;
import org.springframework.transaction.interceptor.TransactionInterceptor;
import org.springframework.util.ClassUtils;

/**
 * {@link TransactionRetry}: an advisor ordered before every other (so the retry wraps the transaction), a
 * listener on every transaction manager that notices a failed COMMIT, and a startup check that no
 * transaction advisor claims the same outermost place.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({PlatformTransactionManager.class, SqlStates.class})
public class EndureTransactionRetryConfiguration {

    /** The outermost place: each attempt must begin and end its own transaction. */
    public static final int TRANSACTION_RETRY_ORDER = Ordered.HIGHEST_PRECEDENCE;

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static TransactionRetryInterceptor endureTransactionRetryInterceptor(ObjectProvider<EndureConfig> config,
            ObjectProvider<ResilienceRegistry> registry) {
        return new TransactionRetryInterceptor(config, registry);
    }

    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static Advisor endureTransactionRetryAdvisor(ObjectProvider<TransactionRetryInterceptor> interceptor) {
        DefaultPointcutAdvisor advisor = new DefaultPointcutAdvisor(
                AnnotationMatchingPointcut.forMethodAnnotation(TransactionRetry.class), interceptor.getObject());
        advisor.setOrder(TRANSACTION_RETRY_ORDER);
        return advisor;
    }

    @Bean
    public static BeanPostProcessor endureTransactionRetrySupport(ObjectProvider<TransactionRetryInterceptor> interceptor) {
        CommitFailures commitFailures = new CommitFailures();
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String beanName) {
                if (bean instanceof ConfigurableTransactionManager manager
                        && !manager.getTransactionExecutionListeners().contains(commitFailures)) {
                    manager.addListener(commitFailures);
                }
                interceptor.getObject().validate(ClassUtils.getUserClass(bean));
                return bean;
            }
        };
    }

    /** Fails startup if a transaction advisor is ordered as far out as the transaction retry. */
    @Bean
    public static SmartInitializingSingleton endureTransactionOrderCheck(ConfigurableListableBeanFactory beans) {
        return () -> {
            for (Map.Entry<String, Advisor> entry : beans.getBeansOfType(Advisor.class, false, false).entrySet()) {
                Advisor advisor = entry.getValue();
                boolean transactional = advisor instanceof TransactionAttributeSourceAdvisor
                        || advisor.getAdvice() instanceof TransactionInterceptor;
                if (transactional && advisor instanceof Ordered ordered && ordered.getOrder() <= TRANSACTION_RETRY_ORDER) {
                    throw new EndureConfigurationException("the transaction advisor '" + entry.getKey() + "' has order "
                            + ordered.getOrder() + " (Ordered.HIGHEST_PRECEDENCE), the place @TransactionRetry needs to wrap"
                            + " each transaction; give @EnableTransactionManagement(order = ...) any higher number");
                }
            }
        };
    }
}
