package dev.endure.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.endure.Verdict;
import dev.endure.VirtualTime;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitExceededException;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.endure.retry.Backoff;
import dev.endure.retry.RetriesExhaustedException;
import dev.endure.retry.RetryPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The concurrency limit's place in the pipeline: retry → limit → breaker → timeout → call. */
class PipelineLimitTest {

    private final VirtualTime time = new VirtualTime();

    private static RetryPolicy.Builder<String> policy() {
        return RetryPolicy.<String>builder().name("search").maxAttempts(3).backoff(Backoff.fixed(Duration.ofMillis(10)));
    }

    @Test
    void aFullLimitRejectsTheAttemptAndTheRetryTriesAgainOnceASlotIsFree() {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("search", 1).build(), time);
        long held = limit.acquire();
        time.schedule(() -> limit.release(held), Duration.ofMillis(5).toNanos()); // frees during the first backoff
        Pipeline<String> pipeline = Pipeline.builder(policy().build()).concurrencyLimit(limit).time(time).build();
        AtomicInteger calls = new AtomicInteger();

        String result = pipeline.get(() -> "hit " + calls.incrementAndGet());

        assertThat(result).isEqualTo("hit 1");
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(10));
        assertThat(limit.rejections()).isEqualTo(1);
        assertThat(limit.inFlight()).isZero();
    }

    @Test
    void whenTheLimitStaysFullTheCallerSeesTheRejectionNamingTheLimit() {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("search", 1).build(), time);
        limit.acquire();
        Pipeline<String> pipeline = Pipeline.builder(policy().build()).concurrencyLimit(limit).time(time).build();

        RetriesExhaustedException exhausted = catchThrowableOfType(RetriesExhaustedException.class, () -> pipeline.get(() -> "never"));

        assertThat(exhausted.getCause()).isInstanceOf(ConcurrencyLimitExceededException.class)
                .hasMessage("concurrency limit 'search' is full: 1 of 1 calls in flight (no wait configured)");
        assertThat(limit.rejections()).isEqualTo(3);
    }

    @Test
    void aRejectionByTheLimitNeverCountsAgainstTheBreaker() {
        CircuitBreaker breaker = CircuitBreaker.builder(CircuitBreakerPolicy.builder().name("search").consecutiveFailures(1).build())
                .clock(time).build();
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("search", 1).build(), time);
        limit.acquire();
        Pipeline<String> pipeline = Pipeline.builder(policy().build()).concurrencyLimit(limit).circuitBreaker(breaker).time(time).build();

        catchThrowableOfType(RetriesExhaustedException.class, () -> pipeline.get(() -> "never"));

        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void retryableOutcomesShrinkAnAdaptiveLimitAndPermanentOnesDoNot() {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.adaptive("search").initialLimit(8).minWindowSamples(4).build(), time);
        Pipeline<String> permanent = Pipeline.builder(policy().maxAttempts(1).classifier(
                (result, failure) -> failure == null ? Verdict.success() : Verdict.fail("HTTP 400")).build())
                .concurrencyLimit(limit).time(time).build();
        for (int i = 0; i < 8; i++) {
            catchThrowableOfType(RuntimeException.class, () -> permanent.get(() -> {
                throw new IllegalArgumentException("bad request");
            }));
        }
        assertThat(limit.limit()).isEqualTo(8);

        Pipeline<String> transientFailures = Pipeline.builder(policy().maxAttempts(1).build()).concurrencyLimit(limit).time(time).build();
        for (int i = 0; i < 8; i++) {
            catchThrowableOfType(RuntimeException.class, () -> transientFailures.get(() -> {
                throw new UncheckedIOException(new IOException("HTTP 503"));
            }));
        }
        assertThat(limit.limit()).isLessThan(8);
        assertThat(limit.inFlight()).isZero();
    }

    @Test
    void anAsynchronousAttemptIsRejectedAtOnceWhenTheLimitIsFullAndFreesItsSlotWhenItCompletes() throws Exception {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("search", 1).maxWait(Duration.ofMinutes(1)).build(), time);
        Pipeline<String> pipeline = Pipeline.builder(policy().maxAttempts(1).build()).concurrencyLimit(limit).time(time).build();
        CompletableFuture<String> slow = new CompletableFuture<>();

        CompletableFuture<String> first = pipeline.getAsync(() -> slow);
        CompletableFuture<String> second = pipeline.getAsync(() -> CompletableFuture.completedFuture("never"));

        assertThat(second).isCompletedExceptionally();
        assertThat(catchThrowableOfType(ExecutionException.class, second::get)).hasRootCauseInstanceOf(ConcurrencyLimitExceededException.class);
        assertThat(limit.inFlight()).isEqualTo(1);
        slow.complete("done");
        assertThat(first.get()).isEqualTo("done");
        assertThat(limit.inFlight()).isZero();
    }

    @Test
    void describesTheLimitInItsPlace() {
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("search", 1).build(), time);
        CircuitBreaker breaker = CircuitBreaker.of(CircuitBreakerPolicy.named("search"));
        assertThat(Pipeline.builder(policy().build()).concurrencyLimit(limit).circuitBreaker(breaker).build())
                .hasToString("Pipeline[search: retry → limit 'search' → breaker 'search' → call]");
    }
}
