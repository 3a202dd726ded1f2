package dev.endure.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.breaker.CircuitBreaker;
import dev.endure.config.EndureConfig;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.spring.internal.EndureFailureAnalyzer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.SystemEnvironmentPropertySource;

class ConfigBindingTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EndureAutoConfiguration.class));

    @Test
    void bindsApplicationYamlToTheModelEndureConfigBuilds() {
        runner.withInitializer(new ConfigDataApplicationContextInitializer())
                .withPropertyValues("spring.config.location=classpath:config/good.yml")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    EndureConfig config = context.getBean(EndureConfig.class);
                    assertThat(config.policy("billing").retryPolicy().maxAttempts()).isEqualTo(4);
                    assertThat(config.policy("billing").attemptTimeout()).contains(Duration.ofSeconds(2));
                    assertThat(config.policy("billing").breaker()).contains("billing");
                    ResilienceRegistry registry = context.getBean(ResilienceRegistry.class);
                    assertThat(registry.circuitBreakers()).containsOnlyKeys("billing");
                    assertThat(registry.retryBudgets()).containsOnlyKeys("billing");
                    assertThat(registry.pipelines()).containsKey("billing");
                    CircuitBreaker breaker = registry.circuitBreakers().get("billing");
                    assertThat(breaker.policy()).isEqualTo(config.breaker("billing"));
                });
    }

    @Test
    void textFromPropertiesOrTheCommandLineMeansWhatYamlMeans() {
        runner.withPropertyValues("endure.policies.billing.retry.maxAttempts=5",
                        "endure.policies.billing.retry.backoff.initial=10ms",
                        "endure.policies.billing.classification.retryOn[0]=java.io.IOException",
                        "endure.policies.billing.classification.retryStatuses[0]=503",
                        "endure.policies.billing.classification.retryStatuses[1]=429")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    EndureConfig config = context.getBean(EndureConfig.class);
                    assertThat(config.policy("billing").retryPolicy().maxAttempts()).isEqualTo(5);
                });
    }

    @Test
    void aBadValueFailsStartupWithItsFullKeyPathAndWhereItWasWritten() {
        runner.withInitializer(new ConfigDataApplicationContextInitializer())
                .withPropertyValues("spring.config.location=classpath:config/bad.yml")
                .run(context -> {
                    assertThat(context).hasFailed();
                    Throwable failure = context.getStartupFailure();
                    FailureAnalysis analysis = new EndureFailureAnalyzer().analyze(failure);
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription())
                            .contains("endure.policies.billing.retry.maxAttempts: must be at least 1 (was 0)")
                            .contains("config/bad.yml")
                            .contains("endure.policies.billing.retry.backof: unknown key")
                            .contains("'backoff'")
                            .doesNotContain("at org.springframework");
                    assertThat(analysis.getAction()).contains("endure.*");
                });
    }

    @Test
    void aSecretLookingValueNeverAppearsInTheError() {
        runner.withPropertyValues("endure.budgets.billing.apiKey=s3cr3t-value")
                .run(context -> {
                    assertThat(context).hasFailed();
                    FailureAnalysis analysis = new EndureFailureAnalyzer().analyze(context.getStartupFailure());
                    assertThat(analysis.getDescription()).contains("endure.budgets.billing.apiKey").doesNotContain("s3cr3t");
                });
    }

    @Test
    void theStartersOwnKeysAreNotHandedToEndureConfig() {
        runner.withPropertyValues("endure.health.breakers.enabled=true", "endure.metrics.enabled=false",
                        "endure.breakers.db.consecutiveFailures=3")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void anEnvironmentVariableForAnEndureConfigKeyFailsStartupWithTheWayThatWorks() {
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new SystemEnvironmentPropertySource("test-systemEnvironment", java.util.Map.of(
                                "ENDURE_POLICIES_BILLING_RETRY_MAXATTEMPTS", "5",
                                "ENDURE_TEST_PG_URL", "jdbc:postgresql://elsewhere/test"))))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(new EndureFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
                            .contains("ENDURE_POLICIES_BILLING_RETRY_MAXATTEMPTS").contains("SPRING_APPLICATION_JSON")
                            .doesNotContain("ENDURE_TEST_PG_URL");
                });
    }

    @Test
    void aJsonDocumentInTheEnvironmentKeepsItsSpelling() {
        runner.withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(
                        new org.springframework.core.env.MapPropertySource("spring.application.json",
                                java.util.Map.of("endure.policies.billing.retry.maxAttempts", 5))))
                .run(context -> assertThat(context.getBean(EndureConfig.class).policy("billing").retryPolicy().maxAttempts())
                        .isEqualTo(5));
    }

    @Test
    void anHttpClientIsABeanPerNameAndItsMistakesFailStartup() {
        runner.withPropertyValues("endure.policies.billing.retry.maxAttempts=4", "endure.http.clients.billing.policy=billing",
                        "endure.http.clients.billing.connectTimeout=2s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(ResilientHttpClients.class).get("billing").name()).isEqualTo("billing");
                    assertThat(context.getBean("endure.http.billing")).isSameAs(context.getBean(ResilientHttpClients.class).get("billing"));
                });
        runner.withPropertyValues("endure.policies.billing.retry.maxAttempts=4", "endure.http.clients.billing.policy=biling",
                        "endure.http.clients.billing.timeout=2s")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(new EndureFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
                            .contains("endure.http.clients.billing.policy: no policy named 'biling'")
                            .contains("endure.http.clients.billing.timeout: unknown key (known: connectTimeout, policy)");
                });
    }
}
