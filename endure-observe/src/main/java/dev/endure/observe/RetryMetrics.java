package dev.endure.observe;

import dev.endure.Cancellable;
import dev.endure.Clock;
import dev.endure.breaker.CallNotPermittedException;
import dev.endure.retry.GiveUpReason;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryEvent;
import dev.endure.retry.RetryListener;
import dev.endure.retry.RetryStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Micrometer meters for one {@link Retrier} (or a pipeline's, via {@code pipeline.retrier()}).
 *
 * <pre>{@code
 * RetryMetrics metrics = RetryMetrics.of(retrier);          // or RetryMetrics.withEvents(retrier)
 * metrics.bindTo(meterRegistry);
 * Invoice invoice = retrier.get(metrics.timed(() -> billing.fetch(id)));   // attempt latency too
 * }</pre>
 *
 * <table>
 *   <caption>Meters, each tagged {@code name} (the policy name)</caption>
 *   <tr><th>meter</th><th>type</th><th>what</th></tr>
 *   <tr><td>{@code endure.retry.calls}</td><td>function counter, tag {@code outcome}</td>
 *       <td>finished calls by outcome, see {@link Outcome}; the outcomes add up to every finished call</td></tr>
 *   <tr><td>{@code endure.retry.attempts}</td><td>function counter</td><td>attempts started, first ones included</td></tr>
 *   <tr><td>{@code endure.retry.retries}</td><td>function counter</td><td>retries scheduled</td></tr>
 *   <tr><td>{@code endure.retry.delay}</td><td>timer ({@link Mode#EVENTS} only)</td><td>the wait before each retry (backoff or retry-after hint)</td></tr>
 *   <tr><td>{@code endure.retry.attempt.duration}</td><td>timer, tag {@code outcome} success|failure</td>
 *       <td>how long each attempt ran; only for calls wrapped with {@link #timed}</td></tr>
 * </table>
 *
 * <p>By default ({@link Mode#COUNTERS}) every counter is read from {@link RetryStats} at scrape time
 * ({@link FunctionCounter}s): counting costs the call nothing, and the success path stays free of
 * allocation. {@link Mode#EVENTS} adds a {@link RetryListener} for what only events can tell: whether a
 * call ended on a circuit breaker's rejection, and how long each retry waited.
 */
public final class RetryMetrics implements MeterBinder, AutoCloseable {

    /** How a call ended: the values of the {@code outcome} tag of {@code endure.retry.calls}. */
    public enum Outcome {
        /** Succeeded on the first attempt. */
        SUCCESS("success"),
        /** Succeeded on a later attempt. */
        SUCCESS_AFTER_RETRY("success_after_retry"),
        /** Still failing when attempts or time ran out. */
        EXHAUSTED("exhausted"),
        /** Failed with an outcome that is never retried (or disables the target). */
        FAILED_PERMANENTLY("failed_permanently"),
        /**
         * Ended on a circuit breaker's rejection: open past the deadline, out of attempts, or forced open.
         * {@link Mode#EVENTS} only; in COUNTERS mode such calls are exhausted or failed permanently.
         */
        REJECTED_BY_BREAKER("rejected_by_breaker"),
        /** The retry budget refused the retry; the caller got the original failure. */
        REJECTED_BY_BUDGET("rejected_by_budget"),
        /** Interrupted or cancelled by the caller. */
        ABORTED("aborted");

        private final String tag;

        Outcome(String tag) {
            this.tag = tag;
        }

        /** The tag value, snake_case as Micrometer tag values usually are. */
        public String tag() {
            return tag;
        }
    }

    /** What a {@link RetryMetrics} listens to. */
    public enum Mode {
        /**
         * Only {@link RetryStats}, read at scrape time: the calls themselves pay nothing. Breaker
         * rejections are counted as exhausted or failed permanently; no delay timer.
         */
        COUNTERS,
        /**
         * Also a {@link RetryListener}: the {@code rejected_by_breaker} outcome and the
         * {@code endure.retry.delay} timer. The cost: while a retrier has any listener, the core reads the
         * clock and allocates one small event per successful call.
         */
        EVENTS
    }

    private final Retrier<?> retrier;
    private final Clock clock;
    private final String name;
    private final Mode mode;
    private final Tags extraTags;
    private final LongAdder exhausted = new LongAdder();
    private final LongAdder failedPermanently = new LongAdder();
    private final LongAdder rejectedByBreaker = new LongAdder();
    private final BoundMeters meters;
    private volatile Timer delays;
    private volatile Timer successfulAttempts;
    private volatile Timer failedAttempts;

    private RetryMetrics(Retrier<?> retrier, Mode mode, Iterable<Tag> extraTags) {
        this.retrier = Objects.requireNonNull(retrier, "retrier");
        this.clock = retrier.clock();
        this.name = retrier.policy().name();
        this.mode = Objects.requireNonNull(mode, "mode");
        this.extraTags = Tags.of(extraTags);
        this.meters = new BoundMeters("retry policy '" + name + "'");
    }

    /** Counter-only metrics ({@link Mode#COUNTERS}) for {@code retrier}, tagged with its policy's name. */
    public static RetryMetrics of(Retrier<?> retrier) {
        return new RetryMetrics(retrier, Mode.COUNTERS, Tags.empty());
    }

    /** Metrics in {@code mode}, with tags of one's own added to every meter (e.g. {@code region}). */
    public static RetryMetrics of(Retrier<?> retrier, Mode mode, Iterable<Tag> extraTags) {
        return new RetryMetrics(retrier, mode, extraTags);
    }

    /** {@link Mode#EVENTS} metrics: breaker rejections told apart, and retry delays timed. */
    public static RetryMetrics withEvents(Retrier<?> retrier) {
        return new RetryMetrics(retrier, Mode.EVENTS, Tags.empty());
    }

    public Mode mode() {
        return mode;
    }

    /**
     * Registers the meters (and, in {@link Mode#EVENTS}, starts listening). In EVENTS mode, calls that
     * ended before this are counted under their {@link RetryStats} category.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        meters.bind(registry);
        RetryStats stats = retrier.stats();
        Tags tags = Tags.of("name", name).and(extraTags);
        callCounter(registry, tags, Outcome.SUCCESS, s -> s.successes() - s.successesAfterRetry());
        callCounter(registry, tags, Outcome.SUCCESS_AFTER_RETRY, RetryStats.Snapshot::successesAfterRetry);
        if (mode == Mode.EVENTS) {
            // Only the events say whether a call ended on a breaker's rejection, so in this mode these
            // outcomes are counted from events alone: never from two sources that could disagree mid-call.
            RetryStats.Snapshot before = stats.snapshot();
            exhausted.add(before.exhausted());
            failedPermanently.add(before.failedPermanently());
            callCounter(registry, tags, Outcome.EXHAUSTED, s -> exhausted.sum());
            callCounter(registry, tags, Outcome.FAILED_PERMANENTLY, s -> failedPermanently.sum());
            callCounter(registry, tags, Outcome.REJECTED_BY_BREAKER, s -> rejectedByBreaker.sum());
        } else {
            callCounter(registry, tags, Outcome.EXHAUSTED, RetryStats.Snapshot::exhausted);
            callCounter(registry, tags, Outcome.FAILED_PERMANENTLY, RetryStats.Snapshot::failedPermanently);
        }
        callCounter(registry, tags, Outcome.REJECTED_BY_BUDGET, RetryStats.Snapshot::budgetRejected);
        callCounter(registry, tags, Outcome.ABORTED, RetryStats.Snapshot::aborted);
        meters.add(FunctionCounter.builder("endure.retry.attempts", stats, s -> s.snapshot().attempts())
                .description("Attempts started, first attempts included").tags(tags).register(registry));
        meters.add(FunctionCounter.builder("endure.retry.retries", stats, s -> s.snapshot().retries())
                .description("Retries scheduled").tags(tags).register(registry));
        successfulAttempts = attemptTimer(registry, tags, "success");
        failedAttempts = attemptTimer(registry, tags, "failure");
        meters.add(successfulAttempts);
        meters.add(failedAttempts);
        if (mode == Mode.EVENTS) {
            delays = Timer.builder("endure.retry.delay")
                    .description("Wait before each retry: the backoff, or a longer retry-after hint")
                    .tags(tags).register(registry);
            meters.add(delays);
            meters.listening(retrier.addListener(new Listener()));
        }
    }

    private void callCounter(MeterRegistry registry, Tags tags, Outcome outcome, ToLongFunction<RetryStats.Snapshot> count) {
        // Weakly held object: the stats (alive as long as the retrier); the function holds our adders.
        meters.add(FunctionCounter.builder("endure.retry.calls", retrier.stats(), stats -> count.applyAsLong(stats.snapshot()))
                .description("Finished calls by outcome")
                .tags(tags).tag("outcome", outcome.tag())
                .register(registry));
    }

    private static Timer attemptTimer(MeterRegistry registry, Tags tags, String outcome) {
        return Timer.builder("endure.retry.attempt.duration")
                .description("How long each attempt ran (from events in EVENTS mode; calls wrapped with RetryMetrics.timed otherwise)")
                .tags(tags).tag("outcome", outcome).register(registry);
    }

    /** Tells breaker rejections apart from other give-ups, and records delays. */
    private final class Listener implements RetryListener {
        @Override
        public void onEvent(RetryEvent event) {
            if (event instanceof RetryEvent.AttemptFailed failed) {
                failedAttempts.record(failed.attemptDuration().toNanos(), TimeUnit.NANOSECONDS);
            } else if (event instanceof RetryEvent.Succeeded succeeded) {
                successfulAttempts.record(succeeded.attemptDuration().toNanos(), TimeUnit.NANOSECONDS);
            } else if (event instanceof RetryEvent.RetryScheduled scheduled) {
                delays.record(scheduled.delay().toNanos(), TimeUnit.NANOSECONDS);
            } else if (event instanceof RetryEvent.Exhausted gaveUp) {
                if (gaveUp.reason() == GiveUpReason.RETRY_BUDGET) {
                    return; // counted by RetryStats as budget-rejected
                }
                (isBreakerRejection(gaveUp.lastFailure()) ? rejectedByBreaker : exhausted).increment();
            } else if (event instanceof RetryEvent.FailedPermanently failed) {
                (isBreakerRejection(failed.failure()) ? rejectedByBreaker : failedPermanently).increment();
            }
        }

        @Override
        public String toString() {
            return "RetryMetrics listener of '" + name + "'";
        }
    }

    private static boolean isBreakerRejection(Throwable failure) {
        return failure instanceof CallNotPermittedException;
    }

    // ---------------------------------------------------------------- attempt timing

    /**
     * Wraps one attempt's work so that each run of it (each attempt) is timed into
     * {@code endure.retry.attempt.duration}, for {@link Mode#COUNTERS}, which listens to no events: the
     * time is taken around the work itself (inside a pipeline, after the breaker's permit and under the
     * timeout). A thrown failure is tagged {@code failure}; so is a result the policy's classifier does not
     * accept. In {@link Mode#EVENTS} attempts are already timed from the events, so the work is returned
     * as it is and nothing is counted twice.
     */
    @SuppressWarnings("unchecked")
    public <T> Supplier<T> timed(Supplier<T> work) {
        Objects.requireNonNull(work, "work");
        if (mode == Mode.EVENTS) {
            return (Supplier<T>) work;
        }
        return () -> {
            long start = clock.nanoTime();
            T result;
            try {
                result = work.get();
            } catch (RuntimeException | Error failure) {
                record(start, false);
                throw failure;
            }
            record(start, acceptedResult(result));
            return result;
        };
    }

    /** As {@link #timed(Supplier)}, for work that throws checked exceptions. */
    public <T> Callable<T> timedCallable(Callable<T> work) {
        Objects.requireNonNull(work, "work");
        if (mode == Mode.EVENTS) {
            return work;
        }
        return () -> {
            long start = clock.nanoTime();
            T result;
            try {
                result = work.call();
            } catch (Exception | Error failure) {
                record(start, false);
                throw failure;
            }
            record(start, acceptedResult(result));
            return result;
        };
    }

    /** As {@link #timed(Supplier)}, for asynchronous work: the attempt ends when its stage completes. */
    public <T> Supplier<CompletionStage<T>> timedAsync(Supplier<? extends CompletionStage<T>> work) {
        Objects.requireNonNull(work, "work");
        if (mode == Mode.EVENTS) {
            return work::get;
        }
        return () -> {
            long start = clock.nanoTime();
            CompletionStage<T> stage;
            try {
                stage = work.get();
            } catch (RuntimeException | Error failure) {
                record(start, false);
                throw failure;
            }
            return stage.whenComplete((result, failure) -> record(start, failure == null && acceptedResult(result)));
        };
    }

    @SuppressWarnings("unchecked")
    private boolean acceptedResult(Object result) {
        try {
            return !((dev.endure.Classifier<Object>) retrier.policy().classifier()).classify(result, null).isFailure();
        } catch (RuntimeException classifierBug) {
            return false;
        }
    }

    private void record(long start, boolean success) {
        Timer timer = success ? successfulAttempts : failedAttempts;
        if (timer != null) {
            timer.record(clock.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    /** Removes the meters from the registry and stops listening. */
    @Override
    public void close() {
        meters.close();
    }

    @Override
    public String toString() {
        return "RetryMetrics[" + name + "]";
    }
}
