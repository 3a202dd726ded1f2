package dev.endure.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.Failures;
import dev.endure.VirtualTime;
import dev.endure.pipeline.Pipeline;
import dev.endure.retry.Backoff;
import dev.endure.retry.RetryPolicy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * One rule for a caller that gives up, wherever a call runs under a breaker: an interrupted or cancelled
 * call releases its permit and counts nothing; a timeout (the downstream was slow) counts as a failure.
 */
class BreakerGuardTest {

    private final VirtualTime time = new VirtualTime();

    /** Opens on the first failure; one half-open trial at a time. */
    private CircuitBreaker breaker() {
        return CircuitBreaker.builder(CircuitBreakerPolicy.builder().name("billing").consecutiveFailures(1)
                .openDuration(Duration.ofSeconds(10)).halfOpenMaxTrials(1).halfOpenSuccesses(1).build()).clock(time).build();
    }

    private CircuitBreaker halfOpen() {
        CircuitBreaker breaker = breaker();
        breaker.acquirePermission().recordFailure(0);
        time.advance(Duration.ofSeconds(10));
        assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
        return breaker;
    }

    @Test
    void anInterruptedCallIsReleasedNotCounted() {
        CircuitBreaker breaker = breaker();

        assertThatThrownBy(() -> breaker.call(() -> {
            throw new InterruptedException("caller shut down");
        })).isInstanceOf(InterruptedException.class);

        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(breaker.snapshot().failures()).isZero();
    }

    @Test
    void anInterruptedTrialFreesItsSlotAndLeavesTheBreakerHalfOpen() {
        CircuitBreaker breaker = halfOpen();

        assertThatThrownBy(() -> breaker.call(() -> {
            throw new InterruptedException();
        })).isInstanceOf(InterruptedException.class);

        assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
        assertThat(breaker.snapshot().trialsInFlight()).isZero();
        breaker.acquirePermission().recordSuccess(0);
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void cancellingAnAsyncTrialReleasesItsSlotAndCancelsTheStage() {
        CircuitBreaker breaker = halfOpen();
        CompletableFuture<String> stage = new CompletableFuture<>();

        CompletableFuture<String> call = breaker.getAsync(() -> stage);
        assertThat(call.cancel(true)).isTrue();

        assertThat(stage).isCancelled();
        assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
        assertThat(breaker.snapshot().trialsInFlight()).isZero();
        assertThat(breaker.snapshot().failures()).isEqualTo(1); // only the failure that opened it
    }

    @Test
    void aStageCancelledByItsOwnerIsReleasedNotCounted() {
        CircuitBreaker breaker = breaker();
        CompletableFuture<String> stage = new CompletableFuture<>();

        CompletableFuture<String> call = breaker.getAsync(() -> stage);
        stage.cancel(false);

        assertThat(call).isCompletedExceptionally();
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(breaker.snapshot().failures()).isZero();
    }

    @Test
    void aPipelineAttemptInterruptedByItsCallerIsReleasedNotCounted() {
        CircuitBreaker breaker = breaker();
        Pipeline<String> pipeline = Pipeline.builder(RetryPolicy.<String>builder().name("billing").maxAttempts(3)
                .backoff(Backoff.fixed(Duration.ofSeconds(1))).build()).circuitBreaker(breaker).time(time).build();

        assertThatThrownBy(() -> pipeline.call(() -> {
            throw new InterruptedException("caller shut down");
        })).isInstanceOf(InterruptedException.class);

        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(breaker.snapshot().failures()).isZero();
    }

    @Test
    void aTimeoutCountsAsAFailureOfTheDownstream() {
        CircuitBreaker breaker = breaker();

        assertThatThrownBy(() -> breaker.call(() -> {
            throw new SocketTimeoutException("read timed out");
        })).isInstanceOf(SocketTimeoutException.class);

        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void callerAbandonmentIsInterruptionOrCancellationThroughAnyWrapper() {
        assertThat(Failures.isCallerAbandonment(new InterruptedException())).isTrue();
        assertThat(Failures.isCallerAbandonment(new CompletionException(new CancellationException()))).isTrue();
        assertThat(Failures.isCallerAbandonment(new ExecutionException(new InterruptedIOException()))).isTrue();
        assertThat(Failures.isCallerAbandonment(new SocketTimeoutException())).isFalse();
        assertThat(Failures.isCallerAbandonment(new IOException("reset"))).isFalse();
        assertThat(Failures.isCallerAbandonment(null)).isFalse();
    }

    @Test
    void unwrapSeesThroughExecutionAndCompletionExceptions() {
        IOException root = new IOException("reset");
        assertThat(Failures.unwrap(new ExecutionException(new CompletionException(root)))).isSameAs(root);
    }
}
