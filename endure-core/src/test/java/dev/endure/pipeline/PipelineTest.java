package dev.endure.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.endure.VirtualTime;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CallNotPermittedException;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.budget.RetryBudget;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.retry.Backoff;
import dev.endure.retry.GiveUpReason;
import dev.endure.retry.RetriesExhaustedException;
import dev.endure.retry.RetryPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PipelineTest {

    private final VirtualTime time = new VirtualTime();
    private final List<String> trace = new ArrayList<>();

    private static RetryPolicy.Builder<String> policy() {
        return RetryPolicy.<String>builder().name("billing").maxAttempts(4).backoff(Backoff.fixed(Duration.ofSeconds(1)));
    }

    private CircuitBreaker breaker(CircuitBreakerPolicy.Builder policy) {
        return CircuitBreaker.builder(policy.name("billing").build()).clock(time).build();
    }

    private static UncheckedIOException reset() {
        return new UncheckedIOException(new IOException("connection reset"));
    }

    @Test
    void theBreakerSeesEveryAttemptSoRetriesOfAFailingDownstreamOpenIt() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(3).openDuration(Duration.ofMinutes(10))
                .maxOpenDuration(Duration.ofHours(1)));
        Pipeline<String> pipeline = Pipeline.builder(policy().maxAttempts(5).maxDuration(Duration.ofSeconds(30)).build())
                .circuitBreaker(breaker).time(time).build();
        AtomicInteger calls = new AtomicInteger();
        RetriesExhaustedException exhausted = catchThrowableOfType(RetriesExhaustedException.class, () -> pipeline.get(() -> {
            calls.incrementAndGet();
            throw reset();
        }));
        assertThat(calls).hasValue(3);
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        // the 4th attempt (at 3 s) met the breaker opened at 2 s: its hint of 9 min 59 s does not fit in 27 s
        assertThat(exhausted.reason()).isEqualTo(GiveUpReason.HINT_EXCEEDS_DEADLINE);
        assertThat(exhausted.getCause()).isInstanceOf(CallNotPermittedException.class);
        assertThat(exhausted.hint()).contains(Duration.ofSeconds(599));
        assertThat(exhausted.getMessage()).contains("retry-after hint of 9 min 59 s ends past the max duration of 30 s");
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @Test
    void anOpenBreakerMakesTheRetryWaitUntilHalfOpenWhenThatFits() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(1).openDuration(Duration.ofSeconds(20))
                .halfOpenSuccesses(1));
        breaker.acquirePermission().recordFailure(0); // some other caller opened it
        time.advance(Duration.ofSeconds(5));
        Pipeline<String> pipeline = Pipeline.builder(policy().maxDuration(Duration.ofMinutes(1)).build())
                .circuitBreaker(breaker).time(time).build();
        AtomicInteger calls = new AtomicInteger();
        assertThat(pipeline.get(() -> "invoice " + calls.incrementAndGet())).isEqualTo("invoice 1");
        assertThat(time.sleeps()).as("waited exactly the 15 s left, not the 1 s backoff").containsExactly(Duration.ofSeconds(15));
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        // the attempt the open breaker refused sent nothing, so the stats count only the one that ran
        assertThat(pipeline.retrier().stats().snapshot().attempts()).isEqualTo(1);
    }

    @Test
    void aBreakerForcedOpenFailsTheCallAtOnce() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder());
        breaker.forceOpen();
        Pipeline<String> pipeline = Pipeline.builder(policy().build()).circuitBreaker(breaker).time(time).build();
        CallNotPermittedException rejected = catchThrowableOfType(CallNotPermittedException.class, () -> pipeline.get(() -> "x"));
        assertThat(rejected.forced()).isTrue();
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void theBreakerRejectionIsHandledEvenWhenThePolicyRetriesOnlyOtherFailures() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(1).openDuration(Duration.ofSeconds(3))
                .halfOpenSuccesses(1));
        breaker.acquirePermission().recordFailure(0);
        Pipeline<String> pipeline = Pipeline.builder(policy().retryOn(IOException.class).build()).circuitBreaker(breaker)
                .time(time).build();
        assertThat(pipeline.get(() -> "ok")).isEqualTo("ok");
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(3));
    }

    @Test
    void theBudgetIsAskedBeforeEachRetryAndARefusalSurfacesTheOriginalFailure() {
        RetryBudget budget = RetryBudget.of(RetryBudgetPolicy.builder().maxRetryRatio(0).minRetriesPerSecond(0.2)
                .window(Duration.ofSeconds(10)).build(), time); // two retries per 10 s
        Pipeline<String> pipeline = Pipeline.builder(policy().maxAttempts(10).build()).retryBudget(budget).time(time).build();
        UncheckedIOException failure = reset();
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> pipeline.get(() -> {
            calls.incrementAndGet();
            throw failure;
        })).isSameAs(failure);
        assertThat(calls).hasValue(3);
        assertThat(pipeline.retrier().stats().snapshot().budgetRejected()).isEqualTo(1);
        assertThat(budget.stats().calls()).isEqualTo(1);
    }

    @Test
    void aSlowSyncAttemptIsInterruptedCountedByTheBreakerAndRetried() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(5));
        Pipeline<String> pipeline = Pipeline.builder(policy().build()).circuitBreaker(breaker)
                .attemptTimeout(Duration.ofSeconds(2)).time(time).build();
        AtomicInteger calls = new AtomicInteger();
        AtomicBoolean interruptedDuringFirst = new AtomicBoolean();
        String result = pipeline.get(() -> {
            if (calls.incrementAndGet() == 1) {
                time.advance(Duration.ofSeconds(5)); // the downstream hangs; the timer fires on the way
                interruptedDuringFirst.set(Thread.currentThread().isInterrupted());
                return "too late";
            }
            return "fresh";
        });
        assertThat(result).isEqualTo("fresh");
        assertThat(interruptedDuringFirst).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).as("the timeout's interrupt must not leak").isFalse();
        assertThat(breaker.snapshot().failures()).isEqualTo(1);
        assertThat(breaker.snapshot().successes()).isEqualTo(1);
    }

    @Test
    void theTimeoutInterruptsAnAttemptBlockedOnAnotherThread() throws Exception {
        Pipeline<String> pipeline = Pipeline.builder(policy().maxAttempts(1).build())
                .attemptTimeout(Duration.ofSeconds(2)).time(time).build();
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<String> call = caller.submit(() -> pipeline.call(() -> {
                blocked.countDown();
                never.await(); // a call that only an interrupt ends
                return "unreachable";
            }));
            assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> time.pendingTasks() == 1);
            time.advance(Duration.ofSeconds(2)); // fires the timer on this thread; it interrupts the caller's
            Throwable failure = catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                    () -> call.get(10, TimeUnit.SECONDS)).getCause();
            assertThat(failure).isInstanceOf(RetriesExhaustedException.class).hasCauseInstanceOf(AttemptTimeoutException.class);
            AttemptTimeoutException timeout = (AttemptTimeoutException) failure.getCause();
            assertThat(timeout).hasMessage("attempt 1 of 'billing' timed out after 2 s").hasCauseInstanceOf(InterruptedException.class);
            assertThat(timeout.timeout()).isEqualTo(Duration.ofSeconds(2));
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void asyncAttemptsTimeOutRetryAndRespectAnOpenBreaker() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(2).openDuration(Duration.ofSeconds(30))
                .halfOpenSuccesses(1));
        Pipeline<String> pipeline = Pipeline.builder(policy().maxAttempts(5).maxDuration(Duration.ofMinutes(2)).build())
                .circuitBreaker(breaker).attemptTimeout(Duration.ofSeconds(2)).time(time).build();
        List<CompletableFuture<String>> stages = new ArrayList<>();
        CompletableFuture<String> result = pipeline.getAsync(() -> {
            trace.add("attempt at " + time.elapsed().toSeconds() + " s");
            CompletableFuture<String> stage = new CompletableFuture<>();
            stages.add(stage);
            if (stages.size() == 3) {
                stage.complete("paid");
            }
            return stage; // attempts 1 and 2 hang
        });
        time.runUntilIdle(100);
        assertThat(result).isCompletedWithValue("paid");
        // 0 s: hangs, times out at 2 s; retry at 3 s hangs, times out at 5 s and opens the breaker;
        // retry at 6 s is rejected with a 29 s hint; the trial at 35 s succeeds.
        assertThat(trace).containsExactly("attempt at 0 s", "attempt at 3 s", "attempt at 35 s");
        assertThat(stages.get(0)).isCancelled();
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        // three attempts ran; the one at 6 s was refused by the breaker and is not counted (issue 13 item 4)
        assertThat(pipeline.retrier().stats().snapshot().attempts()).isEqualTo(3);
    }

    @Test
    void cancellingAnAsyncCallFreesTheTrialSlotWithoutCountingAFailure() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(1).openDuration(Duration.ofSeconds(1)));
        breaker.acquirePermission().recordFailure(0);
        time.advance(Duration.ofSeconds(1));
        Pipeline<String> pipeline = Pipeline.builder(policy().build()).circuitBreaker(breaker).time(time).build();
        CompletableFuture<String> result = pipeline.getAsync(CompletableFuture::new);
        assertThat(breaker.snapshot().trialsInFlight()).isEqualTo(1);
        result.cancel(true);
        assertThat(breaker.snapshot().trialsInFlight()).isZero();
        assertThat(breaker.snapshot().failures()).isEqualTo(1);
        assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
    }

    @Test
    void describesItsFixedOrder() {
        Pipeline<String> pipeline = Pipeline.builder(policy().build())
                .circuitBreaker(breaker(CircuitBreakerPolicy.builder()))
                .retryBudget(RetryBudget.of(RetryBudgetPolicy.named("billing"), time))
                .attemptTimeout(Duration.ofSeconds(2)).time(time).build();
        assertThat(pipeline).hasToString("Pipeline[billing: retry (budget 'billing') → breaker 'billing' → timeout 2 s → call]");
        assertThatThrownBy(() -> Pipeline.builder(policy().build()).attemptTimeout(Duration.ZERO).build())
                .hasMessage("attemptTimeout must be positive (was PT0S) in pipeline 'billing'");
    }
}
