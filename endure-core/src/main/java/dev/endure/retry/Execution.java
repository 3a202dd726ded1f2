package dev.endure.retry;

import dev.endure.Durations;
import dev.endure.Verdict;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;

/**
 * The state and the decisions of one call after its first failure: shared by the synchronous and the
 * asynchronous loop, so both retry by exactly the same rules. Confined to one attempt at a time (the
 * async loop hands it from attempt to attempt through happens-before edges).
 */
final class Execution<T> implements RetryContext {

    /** {@link #decide} answers this when the loop must stop; see {@link #terminalFailure}. */
    static final long STOP = -1;

    private final Retrier<T> retrier;
    private final RetryPolicy<T> policy;
    private final long startNanos;
    /** The call runs inside an outer retrier's attempt: it makes one attempt ({@link NestedRetries}). */
    private final boolean outerLayerRetries;
    private final ArrayDeque<Throwable> earlierFailures = new ArrayDeque<>();
    private int attempt;
    private long attemptStartNanos;
    private long previousDelayNanos;
    private Throwable lastFailure;
    private Verdict lastVerdict;
    private Throwable terminalFailure;
    private T terminalResult;

    Execution(Retrier<T> retrier, long startNanos, boolean outerLayerRetries) {
        this.retrier = retrier;
        this.policy = retrier.policy();
        this.startNanos = startNanos;
        this.outerLayerRetries = outerLayerRetries;
    }

    @Override
    public String policyName() {
        return policy.name();
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public Optional<Throwable> previousFailure() {
        return Optional.ofNullable(lastFailure);
    }

    @Override
    public Optional<Verdict> previousVerdict() {
        return Optional.ofNullable(lastVerdict);
    }

    void startAttempt(int number) {
        attempt = number;
        attemptStartNanos = retrier.clock().nanoTime();
        retrier.stats().attemptStarted();
    }

    /** For the synchronous first attempt, which started (and was counted) before this execution existed. */
    void firstAttemptStartedAt(long startNanos) {
        attempt = 1;
        attemptStartNanos = startNanos;
    }

    /** What to throw when {@link #decide} said {@link #STOP}; null means return {@link #terminalResult}. */
    Throwable terminalFailure() {
        return terminalFailure;
    }

    T terminalResult() {
        return terminalResult;
    }

    /** The attempt succeeded: count it and tell the listeners. */
    void succeeded(long nowNanos) {
        retrier.stats().succeeded(attempt);
        if (retrier.hasListeners()) {
            retrier.emit(new RetryEvent.Succeeded(policy.name(), attempt, elapsed(nowNanos), attemptDuration(nowNanos)));
        }
    }

    /**
     * Decides what follows a non-successful attempt.
     *
     * @return the delay before the next attempt in nanoseconds, or {@link #STOP}
     */
    long decide(T result, Throwable failure, Verdict verdict, long nowNanos) {
        if (verdict.kind() == Verdict.Kind.SUCCESS) {
            // The classifier accepted a thrown exception as a success (it is no failure for this
            // policy): nothing to retry, and the exception still reaches the caller as it is.
            retrier.stats().succeeded(attempt);
            if (retrier.hasListeners()) {
                retrier.emit(new RetryEvent.Succeeded(policy.name(), attempt, elapsed(nowNanos), attemptDuration(nowNanos)));
            }
            return stop(result, failure);
        }
        HiddenAttempts hidden = HiddenAttempts.in(failure);
        if (hidden != null) {
            countHidden(hidden, result, failure, verdict, nowNanos);
        }
        if (failure instanceof dev.endure.breaker.CallNotPermittedException) {
            // The breaker refused to run it: no request was made, so the stats do not count one.
            retrier.stats().attemptNotPermitted();
        }
        if (retrier.hasListeners()) {
            retrier.emit(new RetryEvent.AttemptFailed(policy.name(), attempt, elapsed(nowNanos), attemptDuration(nowNanos), verdict, failure,
                    failure == null ? result : null));
        }
        remember(failure, verdict);

        RetryStep step = RetryStep.next(policy.limits(), attempt, nowNanos - startNanos, verdict, previousDelayNanos,
                retrier.random());
        if (step instanceof RetryStep.GiveUp gaveUp) {
            return giveUp(gaveUp.reason(), result, failure, verdict, nowNanos, gaveUp.refused());
        }
        if (!(step instanceof RetryStep.Retry retry)) {
            retrier.stats().failedPermanently(attempt);
            if (retrier.hasListeners()) {
                retrier.emit(new RetryEvent.FailedPermanently(policy.name(), attempt, elapsed(nowNanos), verdict, failure,
                        failure == null ? result : null));
            }
            return stop(result, failure);
        }
        long delayNanos = retry.delayNanos();
        if (outerLayerRetries) {
            retrier.stats().exhausted(attempt, GiveUpReason.OUTER_RETRY);
            if (retrier.hasListeners()) {
                retrier.emit(new RetryEvent.Exhausted(policy.name(), attempt, elapsed(nowNanos), GiveUpReason.OUTER_RETRY, verdict,
                        failure, failure == null ? result : null));
            }
            // The outer layer must see what happened, not a wrapper, to classify it by its own rules.
            return stop(result, failure);
        }
        if (!retrier.gate().tryAcquireRetry()) {
            if (retrier.refusalExhausts()) {
                return giveUp(GiveUpReason.RETRY_BUDGET, result, failure, verdict, nowNanos, null);
            }
            retrier.stats().exhausted(attempt, GiveUpReason.RETRY_BUDGET);
            if (retrier.hasListeners()) {
                retrier.emit(new RetryEvent.Exhausted(policy.name(), attempt, elapsed(nowNanos), GiveUpReason.RETRY_BUDGET, verdict, failure,
                        failure == null ? result : null));
            }
            // The budget is a shield for the downstream, not a failure of ours: the caller sees the
            // original outcome, exactly as if no retry policy were there.
            return stop(result, failure);
        }
        previousDelayNanos = delayNanos;
        retrier.stats().retried();
        if (retrier.hasListeners()) {
            retrier.emit(new RetryEvent.RetryScheduled(policy.name(), attempt + 1, elapsed(nowNanos),
                    Duration.ofNanos(delayNanos), describe(result, failure, verdict), verdict, failure, failure == null ? result : null));
        }
        return delayNanos;
    }

    /**
     * Attempts the transport made by itself inside this one: each is counted as a failed attempt and an
     * immediate retry (stats, events), charged to the retry gate, and numbered, so max attempts and the
     * stats match what the downstream saw.
     */
    private void countHidden(HiddenAttempts hidden, T result, Throwable failure, Verdict verdict, long nowNanos) {
        for (int i = 0; i < hidden.count(); i++) {
            retrier.gate().tryAcquireRetry(); // the retry happened whatever the gate says now: charge it
            retrier.stats().retried();
            if (retrier.hasListeners()) {
                retrier.emit(new RetryEvent.AttemptFailed(policy.name(), attempt, elapsed(nowNanos), attemptDuration(nowNanos), verdict,
                        failure, failure == null ? result : null));
                retrier.emit(new RetryEvent.RetryScheduled(policy.name(), attempt + 1, elapsed(nowNanos), Duration.ZERO,
                        hidden.getMessage(), verdict, failure, failure == null ? result : null));
            }
            attempt++;
            retrier.stats().attemptStarted();
        }
    }

    /** The waiting thread was interrupted (sync) or the caller cancelled (async). */
    RetryException aborted(AbortReason reason, long delayNanos, long nowNanos) {
        retrier.stats().aborted(attempt);
        if (retrier.hasListeners()) {
            retrier.emit(new RetryEvent.Aborted(policy.name(), attempt, elapsed(nowNanos), reason));
        }
        if (reason != AbortReason.INTERRUPTED) {
            return null;
        }
        String message = "retry of '" + policy.name() + "' interrupted while waiting "
                + Durations.describeNanos(delayNanos) + " before attempt " + (attempt + 1) + " (after " + attempt
                + (attempt == 1 ? " attempt" : " attempts") + " in " + Durations.describeNanos(nowNanos - startNanos)
                + "); retrying stopped and the thread's interrupt flag is set again";
        RetryInterruptedException error = new RetryInterruptedException(message, lastFailure, policy.name(), attempt,
                elapsed(nowNanos));
        attachEarlierFailures(error);
        return error;
    }

    private long giveUp(GiveUpReason reason, T result, Throwable failure, Verdict verdict, long nowNanos, Duration wait) {
        retrier.stats().exhausted(attempt, reason);
        if (retrier.hasListeners()) {
            retrier.emit(new RetryEvent.Exhausted(policy.name(), attempt, elapsed(nowNanos), reason, verdict, failure,
                    failure == null ? result : null));
        }
        StringBuilder message = new StringBuilder("retries exhausted after ").append(attempt)
                .append(attempt == 1 ? " attempt in " : " attempts in ").append(Durations.describeNanos(nowNanos - startNanos))
                .append(" (policy '").append(policy.name()).append("': ");
        switch (reason) {
            case MAX_ATTEMPTS -> message.append("max attempts ").append(policy.maxAttempts()).append(" reached");
            case HINT_EXCEEDS_DEADLINE -> message.append("retry-after hint of ").append(Durations.describe(wait))
                    .append(" ends past the max duration of ").append(Durations.describe(policy.maxDuration().orElseThrow()))
                    .append(", ").append(Durations.describeNanos(remaining(nowNanos))).append(" left");
            case HINT_EXCEEDS_MAX_RETRY_AFTER -> message.append("retry-after hint of ").append(Durations.describe(wait))
                    .append(" is longer than the max retry-after of ").append(Durations.describe(policy.maxRetryAfter()))
                    .append(" (retrying sooner would break the hint; clampRetryAfter() opts into that)");
            case MAX_DURATION -> message.append("the next delay of ").append(Durations.describe(wait))
                    .append(" ends past the max duration of ").append(Durations.describe(policy.maxDuration().orElseThrow()))
                    .append(", ").append(Durations.describeNanos(remaining(nowNanos))).append(" left");
            default -> message.append(reason.description());
        }
        message.append("); last failure: ").append(describe(result, failure, verdict));
        RetriesExhaustedException error = new RetriesExhaustedException(message.toString(), failure, policy.name(),
                attempt, elapsed(nowNanos), reason, failure == null ? result : null,
                reason == GiveUpReason.HINT_EXCEEDS_DEADLINE || reason == GiveUpReason.HINT_EXCEEDS_MAX_RETRY_AFTER ? wait : null);
        attachEarlierFailures(error);
        terminalFailure = error;
        return STOP;
    }

    private long remaining(long nowNanos) {
        return Math.max(0, policy.maxDuration().orElseThrow().toNanos() - (nowNanos - startNanos));
    }

    private long stop(T result, Throwable failure) {
        terminalFailure = failure;
        terminalResult = failure == null ? result : null;
        return STOP;
    }

    private void remember(Throwable failure, Verdict verdict) {
        if (lastFailure != null && lastFailure != failure && policy.maxSuppressed() > 0) {
            if (earlierFailures.size() == policy.maxSuppressed()) {
                earlierFailures.removeFirst();
            }
            earlierFailures.addLast(lastFailure);
        }
        lastFailure = failure;
        lastVerdict = verdict;
    }

    private void attachEarlierFailures(RetryException error) {
        for (Throwable earlier : earlierFailures) {
            if (earlier != error.getCause()) {
                error.addSuppressed(earlier);
            }
        }
    }

    private Duration attemptDuration(long nowNanos) {
        return Duration.ofNanos(Math.max(0, nowNanos - attemptStartNanos));
    }

    private Duration elapsed(long nowNanos) {
        return Duration.ofNanos(nowNanos - startNanos);
    }

    /** A short description of an outcome, preferring the classifier's reason ("HTTP 503"). */
    static String describe(Object result, Throwable failure, Verdict verdict) {
        Optional<String> reason = verdict.reason();
        if (reason.isPresent()) {
            return reason.get();
        }
        if (failure != null) {
            String message = failure.getMessage();
            return message == null ? failure.getClass().getName() : failure.getClass().getName() + ": " + message;
        }
        return "a result the policy retries on (" + (result == null ? "null" : result.getClass().getSimpleName()) + ")";
    }
}
