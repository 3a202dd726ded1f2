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

/**
 * Micrometer meters for one {@link Retrier} (or a pipeline's, via {@code pipeline.retrier()}).
 *
 * <pre>{@code
 * RetryMetrics metrics = RetryMetrics.of(retrier);
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
 *   <tr><td>{@code endure.retry.delay}</td><td>timer</td><td>the wait before each retry (backoff or retry-after hint)</td></tr>
 *   <tr><td>{@code endure.retry.attempt.duration}</td><td>timer, tag {@code outcome} success|failure</td>
 *       <td>how long each attempt ran; only for calls wrapped with {@link #timed}</td></tr>
 * </table>
 *
 * <p>The success outcomes, attempts and retries are read from {@link RetryStats} at scrape time
 * ({@link FunctionCounter}s): counting them costs the call nothing. The other outcomes and the delays
 * come from a {@link RetryListener}, because only the events say whether a call ended on a breaker's
 * rejection. Note: while any listener is registered, the core allocates one small event per successful
 * call; see this module's README.
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
        /** Ended on a circuit breaker's rejection: open past the deadline, out of attempts, or forced open. */
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

    private final Retrier<?> retrier;
    private final Clock clock;
    private final String name;
    private final Tags extraTags;
    private final LongAdder exhausted = new LongAdder();
    private final LongAdder failedPermanently = new LongAdder();
    private final LongAdder rejectedByBreaker = new LongAdder();
    private final LongAdder rejectedByBudget = new LongAdder();
    private final LongAdder aborted = new LongAdder();
    private final List<Meter> meters = new CopyOnWriteArrayList<>();
    private volatile Timer delays;
    private volatile Timer successfulAttempts;
    private volatile Timer failedAttempts;
    private final AtomicReference<MeterRegistry> registry = new AtomicReference<>();
    private volatile Cancellable listening;

    private RetryMetrics(Retrier<?> retrier, Iterable<Tag> extraTags) {
        this.retrier = Objects.requireNonNull(retrier, "retrier");
        this.clock = retrier.clock();
        this.name = retrier.policy().name();
        this.extraTags = Tags.of(extraTags);
    }

    /** Metrics for {@code retrier}, tagged with its policy's name. */
    public static RetryMetrics of(Retrier<?> retrier) {
        return new RetryMetrics(retrier, Tags.empty());
    }

    /** Metrics for {@code retrier} with tags of one's own added to every meter (e.g. {@code region}). */
    public static RetryMetrics of(Retrier<?> retrier, Iterable<Tag> extraTags) {
        return new RetryMetrics(retrier, extraTags);
    }

    /**
     * Registers the meters and starts listening. Call once, before the retrier is used: outcomes that
     * ended earlier than this are counted under their {@link RetryStats} category (a breaker rejection
     * among them as exhausted or failed permanently).
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (!this.registry.compareAndSet(null, registry)) {
            throw new IllegalStateException("metrics of retry policy '" + name + "' are already bound to a registry");
        }
        RetryStats stats = retrier.stats();
        RetryStats.Snapshot before = stats.snapshot();
        exhausted.add(before.exhausted());
        failedPermanently.add(before.failedPermanently());
        rejectedByBudget.add(before.budgetRejected());
        aborted.add(before.aborted());

        Tags tags = Tags.of("name", name).and(extraTags);
        callCounter(registry, tags, Outcome.SUCCESS, () -> {
            RetryStats.Snapshot now = stats.snapshot();
            return now.successes() - now.successesAfterRetry();
        });
        callCounter(registry, tags, Outcome.SUCCESS_AFTER_RETRY, () -> stats.snapshot().successesAfterRetry());
        callCounter(registry, tags, Outcome.EXHAUSTED, exhausted::sum);
        callCounter(registry, tags, Outcome.FAILED_PERMANENTLY, failedPermanently::sum);
        callCounter(registry, tags, Outcome.REJECTED_BY_BREAKER, rejectedByBreaker::sum);
        callCounter(registry, tags, Outcome.REJECTED_BY_BUDGET, rejectedByBudget::sum);
        callCounter(registry, tags, Outcome.ABORTED, aborted::sum);
        meters.add(FunctionCounter.builder("endure.retry.attempts", stats, s -> s.snapshot().attempts())
                .description("Attempts started, first attempts included").tags(tags).register(registry));
        meters.add(FunctionCounter.builder("endure.retry.retries", stats, s -> s.snapshot().retries())
                .description("Retries scheduled").tags(tags).register(registry));
        delays = Timer.builder("endure.retry.delay")
                .description("Wait before each retry: the backoff, or a longer retry-after hint")
                .tags(tags).register(registry);
        successfulAttempts = attemptTimer(registry, tags, "success");
        failedAttempts = attemptTimer(registry, tags, "failure");
        meters.add(delays);
        meters.add(successfulAttempts);
        meters.add(failedAttempts);
        listening = retrier.addListener(new Listener());
    }

    private void callCounter(MeterRegistry registry, Tags tags, Outcome outcome, Supplier<Long> count) {
        // The function reads counters the lambda holds strongly; the weakly held object is the retrier,
        // so the meters go away (read NaN) with it.
        meters.add(FunctionCounter.builder("endure.retry.calls", retrier, r -> count.get())
                .description("Finished calls by outcome")
                .tags(tags).tag("outcome", outcome.tag())
                .register(registry));
    }

    private static Timer attemptTimer(MeterRegistry registry, Tags tags, String outcome) {
        return Timer.builder("endure.retry.attempt.duration")
                .description("How long each attempt ran (calls wrapped with RetryMetrics.timed)")
                .tags(tags).tag("outcome", outcome).register(registry);
    }

    /** Counts the outcomes only events can tell apart, and records delays. */
    private final class Listener implements RetryListener {
        @Override
        public void onEvent(RetryEvent event) {
            if (event instanceof RetryEvent.RetryScheduled scheduled) {
                delays.record(scheduled.delay().toNanos(), TimeUnit.NANOSECONDS);
            } else if (event instanceof RetryEvent.Exhausted gaveUp) {
                if (gaveUp.reason() == GiveUpReason.RETRY_BUDGET) {
                    rejectedByBudget.increment();
                } else if (isBreakerRejection(gaveUp.lastFailure())) {
                    rejectedByBreaker.increment();
                } else {
                    exhausted.increment();
                }
            } else if (event instanceof RetryEvent.FailedPermanently failed) {
                if (isBreakerRejection(failed.failure())) {
                    rejectedByBreaker.increment();
                } else {
                    failedPermanently.increment();
                }
            } else if (event instanceof RetryEvent.Aborted) {
                aborted.increment();
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
     * {@code endure.retry.attempt.duration}. The core's events carry the time since the call started, not
     * per attempt, so the time is taken here, around the work itself: inside a pipeline that is after the
     * breaker's permit and under the timeout. A thrown failure is tagged {@code failure}; so is a result
     * the policy's classifier does not accept.
     */
    public <T> Supplier<T> timed(Supplier<T> work) {
        Objects.requireNonNull(work, "work");
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
        Cancellable current = listening;
        if (current != null) {
            current.cancel();
        }
        MeterRegistry bound = registry.get();
        if (bound != null) {
            meters.forEach(bound::remove);
        }
    }

    @Override
    public String toString() {
        return "RetryMetrics[" + name + "]";
    }
}
