package dev.endure.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.breaker.BreakerState;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.retry.GiveUpReason;
import dev.endure.retry.RetriesExhaustedException;
import dev.endure.spring.AnnotatedBeans.BillingClient;
import dev.endure.spring.AnnotatedBeans.RecordingListener;
import dev.endure.spring.AnnotatedBeans.ServerError;
import dev.endure.spring.internal.EndureFailureAnalyzer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Annotated beans in a real application context, driven against a real HTTP server on loopback. */
class AnnotationsTest {

    private final LoopbackServer server = new LoopbackServer();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(EndureAutoConfiguration.class, EndureMetricsAutoConfiguration.class,
                    MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class))
            .withPropertyValues(
                    "endure.policies.billing.retry.maxAttempts=3",
                    "endure.policies.billing.retry.maxDuration=20s",
                    "endure.policies.billing.retry.backoff.delay=1ms",
                    "endure.policies.billing.classification.retryOn[0]=java.io.IOException",
                    "endure.breakers.ledger.consecutiveFailures=3",
                    "endure.breakers.ledger.openDuration=1h",
                    "endure.breakers.ledger.maxOpenDuration=1h",
                    "endure.budgets.tight.maxRetryRatio=0%",
                    "endure.budgets.tight.minRetriesPerSecond=0.1",
                    "endure.budgets.tight.window=10s",
                    "endure.limits.one.maxConcurrent=1")
            .withBean(RecordingListener.class)
            .withBean(BillingClient.class, () -> new BillingClient(server));

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void retriesASynchronousCallUnderItsNamedPolicyAndReportsEachAttempt() {
        runner.run(context -> {
            server.answer(503, 503);
            assertThat(context.getBean(BillingClient.class).invoice("7")).isEqualTo("answer 3");
            assertThat(server.requests()).isEqualTo(3);
            assertThat(context.getBean(RecordingListener.class).kinds())
                    .containsExactly("AttemptFailed", "RetryScheduled", "AttemptFailed", "RetryScheduled", "Succeeded");
            var stats = context.getBean(ResilienceRegistry.class).pipelines().get("billing").retrier().stats().snapshot();
            assertThat(stats.attempts()).isEqualTo(3);
            assertThat(stats.successesAfterRetry()).isEqualTo(1);
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.find("endure.retry.attempts").tag("name", "billing").functionCounter().count()).isEqualTo(3);
        });
    }

    @Test
    void retriesACompletionStageWithoutBlocking() {
        runner.run(context -> {
            server.answer(500, 502);
            String body = context.getBean(BillingClient.class).invoiceLater("8").toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(body).isEqualTo("answer 3");
            assertThat(server.requests()).isEqualTo(3);
        });
    }

    @Test
    void theBreakerSitsInsideTheRetryWhateverTheAnnotationOrder() {
        runner.run(context -> {
            BillingClient client = context.getBean(BillingClient.class);
            server.answer(500, 500, 500);
            assertThatThrownBy(client::ledger).isInstanceOf(RetriesExhaustedException.class).hasCauseInstanceOf(ServerError.class);
            var breaker = context.getBean(ResilienceRegistry.class).findCircuitBreaker("ledger").orElseThrow();
            assertThat(breaker.snapshot().failures()).as("one failure per attempt, not per call").isEqualTo(3);
            assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);

            // Open for an hour, beyond the policy's 20 s: the retry fails now rather than wait, and nothing is sent.
            assertThatThrownBy(client::ledger).isInstanceOfSatisfying(RetriesExhaustedException.class,
                    exhausted -> assertThat(exhausted.reason()).isEqualTo(GiveUpReason.HINT_EXCEEDS_DEADLINE));
            // The breaker alone, on another method, is the same shared breaker.
            assertThatThrownBy(client::ledgerOnce).isInstanceOf(RetriesExhaustedException.class)
                    .hasRootCauseInstanceOf(dev.endure.breaker.CallNotPermittedException.class);
            assertThat(server.requests()).isEqualTo(3);
        });
    }

    @Test
    void aBudgetEndsRetriesWithTheLastOutcome() {
        runner.run(context -> {
            server.answer(500, 500, 500, 500);
            assertThatThrownBy(() -> context.getBean(BillingClient.class).budgeted()).isInstanceOf(ServerError.class);
            assertThat(server.requests()).as("one retry allowed by the budget").isEqualTo(2);
            assertThat(context.getBean(ResilienceRegistry.class).findRetryBudget("tight").orElseThrow().stats().retriesRejected())
                    .isEqualTo(1);
        });
    }

    @Test
    void aFallbackReplacesTheFailureOfASyncOrAsyncCall() {
        runner.run(context -> {
            BillingClient client = context.getBean(BillingClient.class);
            server.answer(500, 500, 500);
            assertThat(client.invoiceOrCached("9")).isEqualTo("cached 9 after RetriesExhaustedException");
            server.answer(500, 500, 500);
            assertThat(client.invoiceLaterOrCached("10").get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("cached 10");
            assertThat(server.requests()).isEqualTo(6);
        });
    }

    @Test
    void aMisspelledPolicyFailsStartupNamingTheMethodAndTheClosestName() {
        runner.withBean(AnnotatedBeans.MisspelledPolicy.class).run(context -> {
            assertThat(context).hasFailed();
            String description = new EndureFailureAnalyzer().analyze(context.getStartupFailure()).getDescription();
            assertThat(description).contains("@Retry(\"biling\") on MisspelledPolicy.call()").contains("'billing'");
        });
    }

    @Test
    void aFallbackWithTheWrongSignatureFailsStartupStatingTheRule() {
        runner.withBean(AnnotatedBeans.WrongFallback.class).run(context -> {
            assertThat(context).hasFailed();
            String description = new EndureFailureAnalyzer().analyze(context.getStartupFailure()).getDescription();
            assertThat(description).contains("@Fallback(\"recover\") on WrongFallback.call(String)")
                    .contains("declare it as String recover(String, Throwable failure)");
        });
    }

    @Test
    void aBudgetWithoutRetryFailsStartup() {
        runner.withBean(AnnotatedBeans.BudgetWithoutRetry.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(new EndureFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
                    .contains("@RetryBudget(\"tight\") on BudgetWithoutRetry.call(): budget 'tight' needs a policy");
        });
    }

    @Test
    void anAnnotationOnTheClassCoversItsPublicMethods() {
        runner.withBean(AnnotatedBeans.WholeClassClient.class, () -> new AnnotatedBeans.WholeClassClient(server)).run(context -> {
            server.answer(503);
            assertThat(context.getBean(AnnotatedBeans.WholeClassClient.class).status()).isEqualTo("answer 2");
            assertThat(server.requests()).isEqualTo(2);
        });
    }

    @Test
    void aFallbackWithoutAnythingToFallBackFromFailsStartup() {
        runner.withBean(AnnotatedBeans.FallbackAlone.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(new EndureFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
                    .contains("@Fallback on FallbackAlone.call() has nothing to fall back from");
        });
    }

    @Test
    void aConcurrencyLimitAdmitsEachAttemptInsideTheRetry() {
        runner.withBean(AnnotatedBeans.LimitedClient.class).run(context -> {
            AnnotatedBeans.LimitedClient client = context.getBean(AnnotatedBeans.LimitedClient.class);
            java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CompletableFuture<String> holder = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return client.hold(entered, release);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

            // The only slot is taken: every attempt of a second call is turned away, and the retry gives up.
            assertThatThrownBy(() -> client.hold(new java.util.concurrent.CountDownLatch(1), release))
                    .isInstanceOf(RetriesExhaustedException.class)
                    .hasCauseInstanceOf(dev.endure.limit.ConcurrencyLimitExceededException.class);
            var limit = context.getBean(ResilienceRegistry.class).findConcurrencyLimit("one").orElseThrow();
            assertThat(limit.rejections()).isEqualTo(3);
            assertThat(limit.inFlight()).isEqualTo(1);

            release.countDown();
            assertThat(holder.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("done");
            assertThat(limit.inFlight()).isZero();
        });
    }
}
