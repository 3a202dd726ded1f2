package dev.endure.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.breaker.CallNotPermittedException;
import dev.endure.budget.RetryBudget;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.pipeline.Pipeline;
import dev.endure.retry.Backoff;
import dev.endure.retry.RetriesExhaustedException;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryPolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class RetryMetricsTest {

    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final VirtualTime time = new VirtualTime();

    private double calls(String name, RetryMetrics.Outcome outcome) {
        return meters.get("endure.retry.calls").tag("name", name).tag("outcome", outcome.tag()).functionCounter().count();
    }

    private double counter(String meter, String name) {
        return meters.get(meter).tag("name", name).functionCounter().count();
    }

    private static Runnable failing(RuntimeException failure) {
        return () -> {
            throw failure;
        };
    }

    @Test
    void countsEveryOutcomeOnceAndTheOutcomesAddUpToTheCalls() {
        Retrier<Object> retrier = Retrier.builder(RetryPolicy.builder().name("mixed").maxAttempts(3)
                .backoff(Backoff.fixed(Duration.ofSeconds(1))).failOn(IllegalArgumentException.class)
                .retryOn(IllegalStateException.class).build()).time(time).build();
        RetryMetrics.of(retrier).bindTo(meters);

        retrier.run(() -> {});
        AtomicInteger flaky = new AtomicInteger();
        retrier.run(() -> {
            if (flaky.incrementAndGet() == 1) {
                throw new IllegalStateException("once");
            }
        });
        assertThatThrownBy(() -> retrier.run(failing(new IllegalStateException("down")))).isInstanceOf(RetriesExhaustedException.class);
        assertThatThrownBy(() -> retrier.run(failing(new IllegalArgumentException("bad input")))).isInstanceOf(IllegalArgumentException.class);

        assertThat(calls("mixed", RetryMetrics.Outcome.SUCCESS)).isEqualTo(1);
        assertThat(calls("mixed", RetryMetrics.Outcome.SUCCESS_AFTER_RETRY)).isEqualTo(1);
        assertThat(calls("mixed", RetryMetrics.Outcome.EXHAUSTED)).isEqualTo(1);
        assertThat(calls("mixed", RetryMetrics.Outcome.FAILED_PERMANENTLY)).isEqualTo(1);
        assertThat(calls("mixed", RetryMetrics.Outcome.REJECTED_BY_BUDGET)).isZero();
        assertThat(calls("mixed", RetryMetrics.Outcome.ABORTED)).isZero();
        var outcomes = meters.get("endure.retry.calls").tag("name", "mixed").functionCounters();
        assertThat(outcomes).as("counters mode registers no breaker outcome it cannot tell apart").hasSize(6);
        assertThat(outcomes.stream().mapToDouble(counter -> counter.count()).sum()).isEqualTo(4.0);
        assertThat(counter("endure.retry.attempts", "mixed")).isEqualTo(1 + 2 + 3 + 1);
        assertThat(counter("endure.retry.retries", "mixed")).isEqualTo(1 + 2);
        assertThat(meters.find("endure.retry.delay").timer()).as("no delay timer without events").isNull();
    }

    @Test
    void eventsModeTellsBreakerRejectionsApartAndTimesDelays() {
        CircuitBreaker breaker = CircuitBreaker.builder(CircuitBreakerPolicy.builder().name("billing")
                .consecutiveFailures(2).openDuration(Duration.ofMinutes(1)).build()).clock(time).build();
        Pipeline<Object> pipeline = Pipeline.builder(RetryPolicy.builder().name("billing").maxAttempts(5)
                .maxDuration(Duration.ofSeconds(10)).backoff(Backoff.fixed(Duration.ofSeconds(1))).build())
                .circuitBreaker(breaker).time(time).build();
        RetryMetrics metrics = RetryMetrics.withEvents(pipeline.retrier());
        metrics.bindTo(meters);

        // two failures open the breaker; its 1-minute hint does not fit in the 10 s max duration
        assertThatThrownBy(() -> pipeline.run(failing(new IllegalStateException("down"))))
                .isInstanceOfSatisfying(RetriesExhaustedException.class,
                        exhausted -> assertThat(exhausted.getCause()).isInstanceOf(CallNotPermittedException.class));
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        // forced open: the call fails at once
        breaker.forceOpen();
        assertThatThrownBy(() -> pipeline.run(() -> {})).isInstanceOf(CallNotPermittedException.class);
        breaker.reset();
        assertThatThrownBy(() -> pipeline.run(failing(new IllegalStateException("down again"))))
                .isInstanceOf(RetriesExhaustedException.class);

        assertThat(calls("billing", RetryMetrics.Outcome.REJECTED_BY_BREAKER)).isEqualTo(3);
        assertThat(calls("billing", RetryMetrics.Outcome.EXHAUSTED)).isZero();
        assertThat(calls("billing", RetryMetrics.Outcome.FAILED_PERMANENTLY)).isZero();
        Timer delays = meters.get("endure.retry.delay").tag("name", "billing").timer();
        // calls 1 and 3 each waited 1 s twice before their third attempt met the open breaker
        assertThat(delays.count()).isEqualTo(4);
        assertThat(delays.totalTime(TimeUnit.SECONDS)).isEqualTo(4.0);

        metrics.close();
        assertThat(meters.find("endure.retry.calls").tag("name", "billing").functionCounters()).isEmpty();
    }

    @Test
    void countsCallsTheBudgetRefusedToRetry() {
        RetryBudget budget = RetryBudget.of(RetryBudgetPolicy.builder().name("tight").maxRetryRatio(0)
                .minRetriesPerSecond(0.1).window(Duration.ofSeconds(10)).build(), time);
        Retrier<Object> retrier = Retrier.builder(RetryPolicy.builder().name("tight").maxAttempts(3)
                .backoff(Backoff.none()).build()).gate(budget).time(time).build();
        RetryMetrics.of(retrier).bindTo(meters);
        BudgetMetrics.of(budget).bindTo(meters);

        // one retry allowed per 10 s window: the second retry is refused and the original failure surfaces
        assertThatThrownBy(() -> retrier.run(failing(new IllegalStateException("down")))).isInstanceOf(IllegalStateException.class);

        assertThat(calls("tight", RetryMetrics.Outcome.REJECTED_BY_BUDGET)).isEqualTo(1);
        assertThat(calls("tight", RetryMetrics.Outcome.EXHAUSTED)).isZero();
        assertThat(meters.get("endure.budget.retries").tag("name", "tight").tag("outcome", "allowed").functionCounter().count()).isEqualTo(1);
        assertThat(meters.get("endure.budget.retries").tag("name", "tight").tag("outcome", "rejected").functionCounter().count()).isEqualTo(1);
        assertThat(meters.get("endure.budget.calls").tag("name", "tight").functionCounter().count()).isEqualTo(1);
        assertThat(meters.get("endure.budget.available").tag("name", "tight").gauge().value()).isZero();
    }

    @Test
    void timesEachAttemptOfAWrappedCallByOutcome() {
        Retrier<String> retrier = Retrier.builder(RetryPolicy.<String>builder().name("timed").maxAttempts(3)
                .backoff(Backoff.fixed(Duration.ofSeconds(1))).build()).time(time).build();
        RetryMetrics metrics = RetryMetrics.of(retrier);
        metrics.bindTo(meters);

        assertThat(retrier.get(metrics.timed(attemptsTaking100Then200Then300Ms()))).isEqualTo("done");

        assertAttemptTimers("timed");
        assertThat(meters.get("endure.retry.attempt.duration").tag("name", "timed").tag("outcome", "success").timer()
                .max(TimeUnit.MILLISECONDS)).isEqualTo(300);
    }

    /** Fails twice, then succeeds; attempt n takes n × 100 ms of virtual time. */
    private Supplier<String> attemptsTaking100Then200Then300Ms() {
        AtomicInteger attempts = new AtomicInteger();
        return () -> {
            time.advance(Duration.ofMillis(attempts.incrementAndGet() * 100L));
            if (attempts.get() < 3) {
                throw new IllegalStateException("slow and failing");
            }
            return "done";
        };
    }

    private void assertAttemptTimers(String policy) {
        Timer failed = meters.get("endure.retry.attempt.duration").tag("name", policy).tag("outcome", "failure").timer();
        Timer succeeded = meters.get("endure.retry.attempt.duration").tag("name", policy).tag("outcome", "success").timer();
        assertThat(failed.count()).isEqualTo(2);
        assertThat(failed.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(100 + 200);
        assertThat(succeeded.count()).isEqualTo(1);
        assertThat(succeeded.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(300);
    }

    @Test
    void eventsModeTimesEveryAttemptWithoutWrappingAndNeverTwice() {
        Retrier<String> retrier = Retrier.builder(RetryPolicy.<String>builder().name("evented").maxAttempts(3)
                .backoff(Backoff.fixed(Duration.ofSeconds(1))).build()).time(time).build();
        RetryMetrics metrics = RetryMetrics.withEvents(retrier);
        metrics.bindTo(meters);

        // Wrapped anyway: in EVENTS mode timed(...) hands the work back, so nothing is counted twice.
        assertThat(retrier.get(metrics.timed(attemptsTaking100Then200Then300Ms()))).isEqualTo("done");

        assertAttemptTimers("evented");
        Timer delays = meters.get("endure.retry.delay").tag("name", "evented").timer();
        assertThat(delays.count()).isEqualTo(2);
        assertThat(delays.totalTime(TimeUnit.SECONDS)).isEqualTo(2);
    }

    @Test
    void breakerMetricsFollowTheStateAndCountTransitions() {
        CircuitBreaker breaker = CircuitBreaker.builder(CircuitBreakerPolicy.builder().name("db")
                .consecutiveFailures(2).openDuration(Duration.ofSeconds(30)).build()).clock(time).build();
        BreakerMetrics.of(breaker).bindTo(meters);

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> breaker.run(failing(new IllegalStateException("down")))).isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> breaker.run(() -> {})).isInstanceOf(CallNotPermittedException.class);

        assertThat(state("db", "open")).isEqualTo(1);
        assertThat(state("db", "closed")).isZero();
        assertThat(meters.get("endure.breaker.calls").tag("name", "db").tag("outcome", "failure").functionCounter().count()).isEqualTo(2);
        assertThat(meters.get("endure.breaker.calls").tag("name", "db").tag("outcome", "rejected").functionCounter().count()).isEqualTo(1);
        assertThat(meters.get("endure.breaker.transitions").tag("name", "db").tag("from", "closed").tag("to", "open").counter().count())
                .isEqualTo(1);

        time.advance(Duration.ofSeconds(30));
        breaker.run(() -> {});
        breaker.run(() -> {});
        assertThat(state("db", "closed")).isEqualTo(1);
        assertThat(state("db", "open")).isZero();
        assertThat(meters.get("endure.breaker.transitions").tag("name", "db").tag("from", "half_open").tag("to", "closed").counter().count())
                .isEqualTo(1);
        assertThat(meters.get("endure.breaker.forced").tag("name", "db").gauge().value()).isZero();
    }

    private double state(String name, String state) {
        return meters.get("endure.breaker.state").tag("name", name).tag("state", state).gauge().value();
    }
}
