package dev.endure.retry;

import dev.endure.Verdict;
import java.time.Duration;
import java.util.Optional;

/**
 * What happened in a retry loop, delivered to every {@link RetryListener}. Each event names its
 * policy and the time since the call started.
 */
public sealed interface RetryEvent {

    String policyName();

    /** Time since the first attempt started. */
    Duration elapsed();

    /**
     * An attempt ended in anything but success; the verdict says what follows. {@code attemptDuration}
     * is how long this attempt ran.
     */
    record AttemptFailed(String policyName, int attempt, Duration elapsed, Duration attemptDuration, Verdict verdict,
            Throwable failure, Object result) implements RetryEvent {
        public Optional<Throwable> failureIfAny() {
            return Optional.ofNullable(failure);
        }
    }

    /**
     * A retry will start after {@code delay}; {@code reason} says why it was needed, and
     * {@code failure} or {@code result} is the outcome of the attempt that failed.
     */
    record RetryScheduled(String policyName, int nextAttempt, Duration elapsed, Duration delay, String reason,
            Verdict verdict, Throwable failure, Object result) implements RetryEvent {}

    /** The call succeeded on attempt {@code attempts}, which ran for {@code attemptDuration}. */
    record Succeeded(String policyName, int attempts, Duration elapsed, Duration attemptDuration) implements RetryEvent {}

    /** The call failed with a permanent verdict (fail now, or disable the target); the outcome is attached. */
    record FailedPermanently(String policyName, int attempts, Duration elapsed, Verdict verdict, Throwable failure,
            Object result) implements RetryEvent {}

    /** The loop gave up while the outcome was still retryable; the last outcome is attached. */
    record Exhausted(String policyName, int attempts, Duration elapsed, GiveUpReason reason, Verdict lastVerdict,
            Throwable lastFailure, Object lastResult) implements RetryEvent {}

    /** The loop was stopped from outside: interrupted, or cancelled. */
    record Aborted(String policyName, int attempts, Duration elapsed, AbortReason reason) implements RetryEvent {}
}
