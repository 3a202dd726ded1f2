package dev.endure.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.Verdict;
import dev.endure.VirtualTime;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.breaker.SlidingWindow;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.retry.Backoff;
import dev.endure.retry.GiveUpReason;
import dev.endure.retry.Jitter;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetriesExhaustedException;
import dev.endure.retry.RetryPolicy;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shipped examples load into exactly the specs the seeds describe, and behave like them. */
class ExamplesTest {

    /** A stand-in for an HTTP response: the classification reads only its status. */
    record Response(int status) {}

    @Test
    void webhookExampleIsSeed003sPolicy() {
        EndureConfig config = ConfigLoader.loadResource("examples/webhook.yaml");
        PolicyConfig webhook = config.policy("webhook");
        RetryPolicy<Object> policy = webhook.retryPolicy();

        assertThat(policy.name()).isEqualTo("webhook");
        assertThat(policy.maxAttempts()).isEqualTo(20);
        assertThat(policy.maxDuration()).contains(Duration.ofHours(10));
        assertThat(policy.backoff()).isEqualTo(Backoff.exponential(Duration.ofMinutes(2), 2.0)
                .withCap(Duration.ofMinutes(60))
                .withJitter(Jitter.proportional(0.25))
                .withFloor(Duration.ofMinutes(1)));
        assertThat(policy.maxRetryAfter()).isEqualTo(RetryPolicy.DEFAULT_MAX_RETRY_AFTER);

        ClassificationConfig classification = webhook.classification();
        assertThat(classification.retryOn()).containsExactly(IOException.class);
        assertThat(classification.failOn()).isEmpty();
        assertThat(classification.retryStatuses()).containsExactly(408, 429, 500, 502, 503, 504);
        assertThat(classification.disableStatuses()).containsExactly(404, 410);
        assertThat(webhook.disableTarget()).contains(new TargetDisablingConfig(1.0, Duration.ofHours(24), 5, 3));
        assertThat(webhook.breaker()).isEmpty();
        assertThat(webhook.budget()).isEmpty();
    }

    @Test
    void tenHourWebhookScheduleNeverStartsLateNorWaitsOutsideOneToSixtyMinutes() {
        RetryPolicy<Response> policy = ConfigLoader.loadResource("examples/webhook.yaml").policy("webhook")
                .retryPolicy(Response::status);
        VirtualTime time = new VirtualTime();
        Retrier<Response> retrier = Retrier.builder(policy).time(time).random(new Random(3)).build();
        List<Duration> attemptStarts = new ArrayList<>();

        assertThatThrownBy(() -> retrier.get(() -> {
            attemptStarts.add(time.elapsed());
            throw new UncheckedIOExceptionLike("connection reset");
        })).isInstanceOfSatisfying(RetriesExhaustedException.class,
                exhausted -> assertThat(exhausted.reason()).isEqualTo(GiveUpReason.MAX_DURATION));

        assertThat(attemptStarts).hasSizeBetween(2, 20);
        assertThat(attemptStarts).allSatisfy(start -> assertThat(start).isLessThanOrEqualTo(Duration.ofHours(10)));
        assertThat(time.sleeps()).allSatisfy(delay -> assertThat(delay).isBetween(Duration.ofMinutes(1), Duration.ofMinutes(60)));
        // 2 min ±25 % first, and the delays grow until the 60-minute cap
        assertThat(time.sleeps().get(0)).isBetween(Duration.ofSeconds(90), Duration.ofSeconds(150));
        assertThat(time.sleeps().get(time.sleeps().size() - 1)).isGreaterThan(Duration.ofMinutes(40));
    }

    @Test
    void webhookEndpointIsDisabledAtOnceOn410() {
        RetryPolicy<Response> policy = ConfigLoader.loadResource("examples/webhook.yaml").policy("webhook")
                .retryPolicy(Response::status);
        VirtualTime time = new VirtualTime();
        AtomicInteger attempts = new AtomicInteger();
        List<Verdict> verdicts = new ArrayList<>();
        Retrier<Response> retrier = Retrier.builder(policy).time(time).listener(event -> {
            if (event instanceof dev.endure.retry.RetryEvent.FailedPermanently failed) {
                verdicts.add(failed.verdict());
            }
        }).build();

        Response response = retrier.get(() -> new Response(attempts.incrementAndGet() == 1 ? 410 : 200));

        assertThat(response.status()).isEqualTo(410);
        assertThat(attempts).hasValue(1);
        assertThat(verdicts).containsExactly(Verdict.disableTarget("status 410"));
    }

    @Test
    void billingExampleIsSeed004sPolicyWithItsBreakerAndBudget() {
        EndureConfig config = ConfigLoader.loadResource("examples/billing.yaml");
        PolicyConfig billing = config.policy("billing");
        RetryPolicy<Object> policy = billing.retryPolicy();

        assertThat(policy.maxAttempts()).isEqualTo(4);
        assertThat(policy.maxDuration()).isEmpty();
        assertThat(policy.backoff()).isEqualTo(Backoff.exponential(Duration.ofMillis(500), 2.0).withJitter(Jitter.none()));
        assertThat(billing.classification().retryOn()).containsExactly(IOException.class, HttpTimeoutException.class);
        assertThat(billing.classification().retryStatuses()).isEqualTo(Set.of(408, 429, 500, 502, 503, 504));
        assertThat(billing.disableTarget()).isEmpty();

        assertThat(billing.breaker()).contains("billing");
        assertThat(config.breaker("billing")).isEqualTo(CircuitBreakerPolicy.builder().name("billing")
                .consecutiveFailures(5)
                .slidingWindow(SlidingWindow.timeBased(Duration.ofSeconds(60)))
                .failureRateThreshold(0.5).minimumCalls(20)
                .openDuration(Duration.ofSeconds(10)).openDurationMultiplier(2).maxOpenDuration(Duration.ofMinutes(5))
                .halfOpenMaxTrials(1).halfOpenSuccesses(2)
                .build());
        assertThat(billing.budget()).contains("billing");
        assertThat(config.budget("billing")).isEqualTo(RetryBudgetPolicy.builder().name("billing")
                .maxRetryRatio(0.2).minRetriesPerSecond(10).window(Duration.ofSeconds(10)).build());
    }

    @Test
    void billingRetriesServerErrorsHalfASecondThenOneThenTwoSecondsApart() {
        RetryPolicy<Response> policy = ConfigLoader.loadResource("examples/billing.yaml").policy("billing")
                .retryPolicy(Response::status);
        VirtualTime time = new VirtualTime();
        Retrier<Response> retrier = Retrier.builder(policy).time(time).build();
        AtomicInteger attempts = new AtomicInteger();

        assertThatThrownBy(() -> retrier.get(() -> {
            attempts.incrementAndGet();
            return new Response(500);
        })).isInstanceOfSatisfying(RetriesExhaustedException.class, exhausted -> {
            assertThat(exhausted.reason()).isEqualTo(GiveUpReason.MAX_ATTEMPTS);
            assertThat(exhausted.getMessage()).contains("status 500");
        });

        assertThat(attempts).hasValue(4);
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    @Test
    void billingNeverRetriesClientErrors() {
        RetryPolicy<Response> policy = ConfigLoader.loadResource("examples/billing.yaml").policy("billing")
                .retryPolicy(Response::status);
        VirtualTime time = new VirtualTime();
        Retrier<Response> retrier = Retrier.builder(policy).time(time).build();
        for (int status : new int[] {400, 401, 403, 404, 422}) {
            AtomicInteger attempts = new AtomicInteger();
            Response response = retrier.get(() -> {
                attempts.incrementAndGet();
                return new Response(status);
            });
            assertThat(response.status()).isEqualTo(status);
            assertThat(attempts).as("attempts for %d", status).hasValue(1);
        }
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void billingRetriesTimeoutsAndFailsFastOnOtherExceptions() {
        RetryPolicy<Response> policy = ConfigLoader.loadResource("examples/billing.yaml").policy("billing")
                .retryPolicy(Response::status);
        Retrier<Response> retrier = Retrier.builder(policy).time(new VirtualTime()).build();
        AtomicInteger attempts = new AtomicInteger();

        Response recovered = retrier.get(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new UncheckedIOExceptionLike("timed out");
            }
            return new Response(201);
        });
        assertThat(recovered.status()).isEqualTo(201);
        assertThat(attempts).hasValue(2);

        AtomicInteger bugAttempts = new AtomicInteger();
        assertThatThrownBy(() -> retrier.get(() -> {
            bugAttempts.incrementAndGet();
            throw new IllegalStateException("a bug, not an outage");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(bugAttempts).hasValue(1);
    }

    @Test
    void jsonAndYamlBillingExamplesAreTheSameConfiguration() {
        EndureConfig yaml = ConfigLoader.loadResource("examples/billing.yaml");
        EndureConfig json = ConfigLoader.loadResource("examples/billing.json");

        assertThat(json.breakers()).isEqualTo(yaml.breakers());
        assertThat(json.budgets()).isEqualTo(yaml.budgets());
        RetryPolicy<Object> fromJson = json.policy("billing").retryPolicy();
        RetryPolicy<Object> fromYaml = yaml.policy("billing").retryPolicy();
        assertThat(fromJson.toString()).isEqualTo(fromYaml.toString());
        assertThat(fromJson.backoff()).isEqualTo(fromYaml.backoff());
        assertThat(json.policy("billing").classification()).isEqualTo(yaml.policy("billing").classification());
    }

    /** An IOException that a Supplier may throw: the classifier matches causes too. */
    static final class UncheckedIOExceptionLike extends java.io.UncheckedIOException {
        private static final long serialVersionUID = 1L;

        UncheckedIOExceptionLike(String message) {
            super(message, new IOException(message));
        }
    }
}
