package dev.endure.retry;

import java.util.concurrent.atomic.LongAdder;

/**
 * Lock-free counters of one {@link Retrier}, including seed 001's "retry distribution": a histogram of
 * attempts per call. Cheap to update from many threads; {@link #snapshot()} reads a consistent-enough
 * view for metrics (each counter is read once; counters may be a few calls apart).
 */
public final class RetryStats {

    /** Histogram buckets: 1, 2, …, {@value} and more. */
    public static final int MAX_HISTOGRAM_BUCKETS = 32;

    /**
     * Calls that succeeded on their first attempt. The success path bumps only this one counter (one
     * CAS instead of four); {@link #snapshot()} adds it to calls, attempts, successes and the first
     * histogram bucket.
     */
    private final LongAdder firstAttemptSuccesses = new LongAdder();
    /** Calls that needed the retry loop, counted when their first attempt did not succeed. */
    private final LongAdder calls = new LongAdder();
    private final LongAdder attempts = new LongAdder();
    /** Attempts a circuit breaker refused to run: counted as started, then taken back (nothing was sent). */
    private final LongAdder notPermitted = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder successes = new LongAdder();
    private final LongAdder successesAfterRetry = new LongAdder();
    private final LongAdder failedPermanently = new LongAdder();
    private final LongAdder exhausted = new LongAdder();
    private final LongAdder budgetRejected = new LongAdder();
    private final LongAdder aborted = new LongAdder();
    private final LongAdder listenerFailures = new LongAdder();
    private final LongAdder[] attemptsPerCall;

    RetryStats(int maxAttempts) {
        attemptsPerCall = new LongAdder[Math.min(maxAttempts, MAX_HISTOGRAM_BUCKETS)];
        for (int i = 0; i < attemptsPerCall.length; i++) {
            attemptsPerCall[i] = new LongAdder();
        }
    }

    void succeededFirstTime() {
        firstAttemptSuccesses.increment();
    }

    /** The first attempt of a call did not succeed: from here on every counter is kept explicitly. */
    void enteredRetryLoop() {
        calls.increment();
        attempts.increment();
    }

    /** An asynchronous call started; its attempts are counted as they start. */
    void asyncCallStarted() {
        calls.increment();
    }

    void attemptStarted() {
        attempts.increment();
    }

    void attemptNotPermitted() {
        notPermitted.increment();
    }

    void retried() {
        retries.increment();
    }

    void succeeded(int attemptCount) {
        successes.increment();
        if (attemptCount > 1) {
            successesAfterRetry.increment();
        }
        finished(attemptCount);
    }

    void failedPermanently(int attemptCount) {
        failedPermanently.increment();
        finished(attemptCount);
    }

    void exhausted(int attemptCount, GiveUpReason reason) {
        if (reason == GiveUpReason.RETRY_BUDGET) {
            budgetRejected.increment();
        } else {
            exhausted.increment();
        }
        finished(attemptCount);
    }

    void aborted(int attemptCount) {
        aborted.increment();
        finished(attemptCount);
    }

    void listenerFailed() {
        listenerFailures.increment();
    }

    private void finished(int attemptCount) {
        attemptsPerCall[Math.min(attemptCount, attemptsPerCall.length) - 1].increment();
    }

    /** A copy of every counter. */
    public Snapshot snapshot() {
        long firstTime = firstAttemptSuccesses.sum();
        long[] histogram = new long[attemptsPerCall.length];
        for (int i = 0; i < histogram.length; i++) {
            histogram[i] = attemptsPerCall[i].sum();
        }
        histogram[0] += firstTime;
        return new Snapshot(calls.sum() + firstTime, attempts.sum() - notPermitted.sum() + firstTime, retries.sum(), successes.sum() + firstTime,
                successesAfterRetry.sum(),
                failedPermanently.sum(), exhausted.sum(), budgetRejected.sum(), aborted.sum(), listenerFailures.sum(),
                histogram);
    }

    /**
     * Counters at one moment.
     *
     * @param calls calls that have finished, plus those still in their retry loop (a call whose first
     *     attempt is still running is not counted yet)
     * @param attemptsPerCall index {@code i} counts finished calls that made {@code i + 1} attempts;
     *     the last bucket also holds calls that made more
     */
    public record Snapshot(long calls, long attempts, long retries, long successes, long successesAfterRetry,
            long failedPermanently, long exhausted, long budgetRejected, long aborted, long listenerFailures,
            long[] attemptsPerCall) {

        /** Calls that have ended, one way or another. */
        public long finishedCalls() {
            return successes + failedPermanently + exhausted + budgetRejected + aborted;
        }

        /** Finished calls that made exactly {@code attempts} attempts (the last bucket: at least). */
        public long callsWithAttempts(int attempts) {
            return attempts >= 1 && attempts <= attemptsPerCall.length ? attemptsPerCall[attempts - 1] : 0;
        }

        @Override
        public String toString() {
            return "RetryStats[calls=" + calls + ", attempts=" + attempts + ", retries=" + retries
                    + ", successes=" + successes + " (" + successesAfterRetry + " after retry)"
                    + ", failedPermanently=" + failedPermanently + ", exhausted=" + exhausted
                    + ", budgetRejected=" + budgetRejected + ", aborted=" + aborted
                    + ", attemptsPerCall=" + java.util.Arrays.toString(attemptsPerCall) + "]";
        }
    }
}
