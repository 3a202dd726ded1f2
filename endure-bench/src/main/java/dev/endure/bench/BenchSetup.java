package dev.endure.bench;

import dev.endure.retry.Backoff;
import dev.endure.retry.RetryPolicy;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;

/**
 * The one definition of "configured alike" that every benchmark uses, so that a comparison can never
 * drift because one benchmark set a peer up differently: 3 attempts, exponential backoff from 100 ms ×2,
 * retry on any exception; breakers open at 50 % failures over the last 100 calls for 10 s.
 */
final class BenchSetup {

    static final int ATTEMPTS = 3;
    static final Duration INITIAL_DELAY = Duration.ofMillis(100);
    static final double MULTIPLIER = 2.0;
    static final Duration OPEN_DURATION = Duration.ofSeconds(10);

    private BenchSetup() {}

    static RetryPolicy.Builder<Integer> endureRetry(String name) {
        return RetryPolicy.<Integer>builder().name(name).maxAttempts(ATTEMPTS)
                .backoff(Backoff.exponential(INITIAL_DELAY, MULTIPLIER));
    }

    static Retry resilience4jRetry(String name) {
        return Retry.of(name, RetryConfig.custom()
                .maxAttempts(ATTEMPTS)
                .intervalFunction(IntervalFunction.ofExponentialBackoff(INITIAL_DELAY, MULTIPLIER))
                .build());
    }

    static dev.failsafe.RetryPolicy<Integer> failsafeRetry() {
        return dev.failsafe.RetryPolicy.<Integer>builder()
                .withMaxAttempts(ATTEMPTS)
                .withBackoff(INITIAL_DELAY, Duration.ofDays(1), MULTIPLIER)
                .build();
    }

    static dev.failsafe.CircuitBreaker<Integer> failsafeBreaker() {
        return dev.failsafe.CircuitBreaker.<Integer>builder()
                .withFailureThreshold(50, 100)
                .withDelay(OPEN_DURATION)
                .withSuccessThreshold(1)
                .build();
    }
}
