package dev.endure.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.endure.Verdict;
import dev.endure.VirtualTime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetrierTest {

    private final VirtualTime time = new VirtualTime();
    private final List<RetryEvent> events = new CopyOnWriteArrayList<>();

    private <T> Retrier<T> retrier(RetryPolicy<T> policy) {
        return Retrier.builder(policy).time(time).listener(events::add).build();
    }

    private static RetryPolicy.Builder<String> seed000() {
        return RetryPolicy.<String>builder()
                .name("reserve-units")
                .maxAttempts(5)
                .backoff(Backoff.exponential(Duration.ofMillis(10), 2.0).withCap(Duration.ofMillis(160)));
    }

    /** Fails {@code failures} times with {@code failure}, then returns "ok". */
    private static final class Flaky {
        final AtomicInteger calls = new AtomicInteger();
        final int failures;
        final RuntimeException failure;

        Flaky(int failures, RuntimeException failure) {
            this.failures = failures;
            this.failure = failure;
        }

        String get() {
            if (calls.incrementAndGet() <= failures) {
                throw failure;
            }
            return "ok";
        }
    }

    @Test
    void retriesTransientFailuresWithSeed000Delays() {
        Retrier<String> retrier = retrier(seed000().build());
        Flaky flaky = new Flaky(4, new IllegalStateException("could not serialize access"));

        assertThat(retrier.get(flaky::get)).isEqualTo("ok");

        assertThat(flaky.calls).hasValue(5);
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(40),
                Duration.ofMillis(80));
        assertThat(time.elapsed()).isEqualTo(Duration.ofMillis(150));
    }

    @Test
    void exhaustionNamesAttemptsTimeAndLastFailure() {
        Retrier<String> retrier = retrier(seed000().maxSuppressed(2).build());
        AtomicInteger calls = new AtomicInteger();

        RetriesExhaustedException error = catchThrowableOfType(() -> retrier.get(() -> {
            throw new IllegalStateException("SQLState 40001 could not serialize access #" + calls.incrementAndGet());
        }), RetriesExhaustedException.class);

        assertThat(error.attempts()).isEqualTo(5);
        assertThat(error.elapsed()).isEqualTo(Duration.ofMillis(150));
        assertThat(error.reason()).isEqualTo(GiveUpReason.MAX_ATTEMPTS);
        assertThat(error).hasMessage("retries exhausted after 5 attempts in 150 ms (policy 'reserve-units': max attempts 5"
                + " reached); last failure: java.lang.IllegalStateException: SQLState 40001 could not serialize access #5");
        assertThat(error.getCause()).hasMessageEndingWith("#5");
        // earlier failures are kept, bounded, most recent first to go last
        assertThat(error.getSuppressed()).extracting(Throwable::getMessage)
                .containsExactly("SQLState 40001 could not serialize access #3", "SQLState 40001 could not serialize access #4");
    }

    @Test
    void failsFastOnPermanentFailuresWithoutWaiting() {
        Retrier<String> retrier = retrier(seed000().retryOn(IllegalStateException.class).build());
        AtomicInteger calls = new AtomicInteger();
        IllegalArgumentException invalid = new IllegalArgumentException("units must be positive");

        assertThatThrownBy(() -> retrier.get(() -> {
            calls.incrementAndGet();
            throw invalid;
        })).isSameAs(invalid);

        assertThat(calls).hasValue(1);
        assertThat(time.sleeps()).isEmpty();
        assertThat(events).hasSize(2).last().isInstanceOf(RetryEvent.FailedPermanently.class);
        assertThat(retrier.stats().snapshot().failedPermanently()).isEqualTo(1);
    }

    @Test
    void errorsAndInterruptsAreNeverRetriedByDefault() {
        Retrier<String> retrier = retrier(seed000().build());
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> retrier.get(() -> {
            calls.incrementAndGet();
            throw new OutOfMemoryError("simulated");
        })).isInstanceOf(OutOfMemoryError.class);
        assertThat(calls).hasValue(1);

        assertThatThrownBy(() -> retrier.call(() -> {
            calls.incrementAndGet();
            throw new InterruptedException("stop");
        })).isInstanceOf(InterruptedException.class);
        assertThat(calls).hasValue(2);
    }

    @Test
    void retriesOnResultsAndReturnsAPermanentResultAsIs() {
        RetryPolicy<Integer> policy = RetryPolicy.<Integer>builder()
                .maxAttempts(4)
                .backoff(Backoff.exponential(Duration.ofMillis(500), 2.0))
                .classifier((status, failure) -> status >= 500 ? Verdict.retry("HTTP " + status)
                        : status >= 400 ? Verdict.fail("HTTP " + status) : Verdict.success())
                .build();
        Retrier<Integer> retrier = Retrier.builder(policy).time(time).build();

        int[] statuses = {500, 500, 201};
        AtomicInteger call = new AtomicInteger();
        assertThat(retrier.get(() -> statuses[call.getAndIncrement()])).isEqualTo(201);
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1));

        AtomicInteger badRequests = new AtomicInteger();
        assertThat(retrier.get(() -> {
            badRequests.incrementAndGet();
            return 400;
        })).isEqualTo(400);
        assertThat(badRequests).hasValue(1);

        RetriesExhaustedException exhausted = catchThrowableOfType(() -> retrier.get(() -> 503), RetriesExhaustedException.class);
        assertThat(exhausted.attempts()).isEqualTo(4);
        assertThat(exhausted.lastResult()).contains(503);
        assertThat(exhausted).hasMessageEndingWith("last failure: HTTP 503");
    }

    @Test
    void neverRetriesEarlierThanRetryAfter() {
        RetryPolicy<String> policy = seed000()
                .classifier((result, failure) -> failure == null ? Verdict.success() : Verdict.retryAfter(Duration.ofSeconds(3), "HTTP 429"))
                .build();
        Flaky flaky = new Flaky(2, new IllegalStateException("throttled"));

        assertThat(retrier(policy).get(flaky::get)).isEqualTo("ok");

        // The hint (3 s) is a floor over the backoff (10 ms, 20 ms).
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(3), Duration.ofSeconds(3));
        assertThat(events).filteredOn(RetryEvent.RetryScheduled.class::isInstance)
                .extracting(event -> ((RetryEvent.RetryScheduled) event).reason())
                .containsOnly("HTTP 429");
    }

    @Test
    void backoffLongerThanTheHintWins() {
        RetryPolicy<String> policy = seed000()
                .backoff(Backoff.fixed(Duration.ofSeconds(10)))
                .classifier((result, failure) -> failure == null ? Verdict.success() : Verdict.retryAfter(Duration.ofSeconds(1)))
                .build();
        retrier(policy).get(new Flaky(1, new IllegalStateException("busy"))::get);
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(10));
    }

    @Test
    void hintsBeyondTheCapAreClampedToItWhenThePolicyOptsIn() {
        RetryPolicy<String> policy = seed000()
                .maxRetryAfter(Duration.ofSeconds(30))
                .clampRetryAfter()
                .classifier((result, failure) -> failure == null ? Verdict.success() : Verdict.retryAfter(Duration.ofDays(1)))
                .build();
        retrier(policy).get(new Flaky(1, new IllegalStateException("come back tomorrow"))::get);
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(30));
    }

    @Test
    void hintBeyondTheCapGivesUpAtOnceNamingTheHint() {
        RetryPolicy<String> policy = seed000()
                .maxRetryAfter(Duration.ofSeconds(30))
                .classifier((result, failure) -> failure == null ? Verdict.success() : Verdict.retryAfter(Duration.ofSeconds(90)))
                .build();
        Flaky flaky = new Flaky(1, new IllegalStateException("come back in 90 s"));

        RetriesExhaustedException error = catchThrowableOfType(() -> retrier(policy).get(flaky::get), RetriesExhaustedException.class);

        assertThat(flaky.calls).hasValue(1);
        assertThat(time.sleeps()).isEmpty();
        assertThat(error.reason()).isEqualTo(GiveUpReason.HINT_EXCEEDS_MAX_RETRY_AFTER);
        assertThat(error.hint()).contains(Duration.ofSeconds(90));
        assertThat(error).hasMessageContaining("retry-after hint of 90 s is longer than the max retry-after of 30 s");
    }

    @Test
    void hintBeyondTheRemainingMaxDurationFailsNowWithTheHintInTheError() {
        RetryPolicy<String> policy = seed000()
                .maxDuration(Duration.ofSeconds(10))
                .classifier((result, failure) -> Verdict.retryAfter(Duration.ofSeconds(30), "HTTP 503"))
                .build();
        AtomicInteger calls = new AtomicInteger();

        RetriesExhaustedException error = catchThrowableOfType(() -> retrier(policy).get(() -> {
            calls.incrementAndGet();
            throw new IllegalStateException("unavailable");
        }), RetriesExhaustedException.class);

        assertThat(calls).hasValue(1);
        assertThat(time.sleeps()).isEmpty();
        assertThat(error.reason()).isEqualTo(GiveUpReason.HINT_EXCEEDS_DEADLINE);
        assertThat(error.hint()).contains(Duration.ofSeconds(30));
        assertThat(error).hasMessageContaining("retry-after hint of 30 s ends past the max duration of 10 s, 10 s left");
    }

    @Test
    void neverSleepsPastTheMaxDuration() {
        RetryPolicy<String> policy = seed000()
                .maxAttempts(100)
                .backoff(Backoff.exponential(Duration.ofSeconds(1), 2.0))
                .maxDuration(Duration.ofSeconds(20))
                .build();

        RetriesExhaustedException error = catchThrowableOfType(
                () -> retrier(policy).get(() -> { throw new IllegalStateException("down"); }), RetriesExhaustedException.class);

        // 1 + 2 + 4 + 8 = 15 s slept; the next 16 s would end at 31 s > 20 s, so it gives up at 15 s.
        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(8));
        assertThat(error.reason()).isEqualTo(GiveUpReason.MAX_DURATION);
        assertThat(error.attempts()).isEqualTo(5);
        assertThat(error).hasMessageContaining("the next delay of 16 s ends past the max duration of 20 s, 5 s left");
    }

    @Test
    void operationSeesItsAttemptNumberAndThePreviousFailure() throws Exception {
        List<String> seen = new ArrayList<>();
        String result = retrier(seed000().build()).execute(context -> {
            seen.add(context.attempt() + ":" + context.previousFailure().map(Throwable::getMessage).orElse("-"));
            if (context.attempt() < 3) {
                throw new IOException("reset #" + context.attempt());
            }
            return "done";
        });

        assertThat(result).isEqualTo("done");
        assertThat(seen).containsExactly("1:-", "2:reset #1", "3:reset #2");
    }

    @Test
    void checkedExceptionsPassThroughUnchanged() {
        Retrier<String> retrier = retrier(seed000().failOn(IOException.class).build());
        IOException disk = new IOException("disk full");
        assertThatThrownBy(() -> retrier.execute(context -> { throw disk; })).isSameAs(disk);
        assertThatThrownBy(() -> retrier.call(() -> { throw disk; })).isSameAs(disk);
    }

    @Test
    void runnableIsRetriedToo() {
        AtomicInteger runs = new AtomicInteger();
        retrier(RetryPolicy.builder().maxAttempts(3).backoff(Backoff.none()).build()).run(() -> {
            if (runs.incrementAndGet() < 3) {
                throw new UncheckedIOException(new IOException("flaky"));
            }
        });
        assertThat(runs).hasValue(3);
    }

    @Test
    void emitsTypedEventsInOrder() {
        retrier(seed000().build()).get(new Flaky(2, new IllegalStateException("conflict"))::get);

        assertThat(events).extracting(event -> event.getClass().getSimpleName()).containsExactly(
                "AttemptFailed", "RetryScheduled", "AttemptFailed", "RetryScheduled", "Succeeded");
        RetryEvent.RetryScheduled second = (RetryEvent.RetryScheduled) events.get(3);
        assertThat(second.nextAttempt()).isEqualTo(3);
        assertThat(second.delay()).isEqualTo(Duration.ofMillis(20));
        assertThat(second.elapsed()).isEqualTo(Duration.ofMillis(10));
        assertThat(second.reason()).isEqualTo("java.lang.IllegalStateException: conflict");
        assertThat(((RetryEvent.Succeeded) events.get(4)).attempts()).isEqualTo(3);
    }

    @Test
    void eventsSayHowLongEachAttemptRan() {
        AtomicInteger calls = new AtomicInteger();
        retrier(seed000().build()).get(() -> {
            time.advance(Duration.ofMillis(100L * calls.incrementAndGet()));
            if (calls.get() < 3) {
                throw new IllegalStateException("slow conflict");
            }
            return "ok";
        });

        assertThat(events).filteredOn(RetryEvent.AttemptFailed.class::isInstance)
                .extracting(event -> ((RetryEvent.AttemptFailed) event).attemptDuration())
                .containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        RetryEvent.Succeeded success = (RetryEvent.Succeeded) events.get(events.size() - 1);
        assertThat(success.attemptDuration()).isEqualTo(Duration.ofMillis(300));
        // 100 + 10 (backoff) + 200 + 20 (backoff) + 300
        assertThat(success.elapsed()).isEqualTo(Duration.ofMillis(630));
    }

    @Test
    void aListenerThatThrowsDoesNotBreakTheCall() {
        AtomicInteger seenByHealthyListener = new AtomicInteger();
        Retrier<String> retrier = Retrier.builder(seed000().build()).time(time)
                .listener(event -> { throw new IllegalStateException("broken listener"); })
                .listener(event -> seenByHealthyListener.incrementAndGet())
                .build();

        assertThat(retrier.get(new Flaky(1, new IllegalStateException("x"))::get)).isEqualTo("ok");

        assertThat(seenByHealthyListener).hasValue(3);
        assertThat(retrier.stats().snapshot().listenerFailures()).isEqualTo(3);
    }

    @Test
    void listenersCanBeAddedAndRemovedLater() {
        Retrier<String> retrier = Retrier.builder(seed000().build()).time(time).build();
        List<RetryEvent> late = new ArrayList<>();
        var subscription = retrier.addListener(late::add);
        retrier.get(() -> "first");
        assertThat(subscription.cancel()).isTrue();
        retrier.get(() -> "second");
        assertThat(late).hasSize(1);
        assertThat(subscription.cancel()).isFalse();
    }

    @Test
    void statsCountCallsRetriesAndTheRetryDistribution() {
        Retrier<String> retrier = retrier(seed000().build());
        retrier.get(() -> "at once");
        retrier.get(new Flaky(1, new IllegalStateException("a"))::get);
        retrier.get(new Flaky(1, new IllegalStateException("b"))::get);
        retrier.get(new Flaky(3, new IllegalStateException("c"))::get);
        catchThrowableOfType(() -> retrier.get(() -> { throw new IllegalStateException("d"); }), RetriesExhaustedException.class);

        RetryStats.Snapshot stats = retrier.stats().snapshot();
        assertThat(stats.calls()).isEqualTo(5);
        assertThat(stats.attempts()).isEqualTo(1 + 2 + 2 + 4 + 5);
        assertThat(stats.retries()).isEqualTo(0 + 1 + 1 + 3 + 4);
        assertThat(stats.successes()).isEqualTo(4);
        assertThat(stats.successesAfterRetry()).isEqualTo(3);
        assertThat(stats.exhausted()).isEqualTo(1);
        assertThat(stats.attemptsPerCall()).containsExactly(1, 2, 0, 1, 1);
        assertThat(stats.finishedCalls()).isEqualTo(5);
    }

    @Test
    void aRefusingGateSurfacesTheOriginalFailure() {
        RetryGate empty = new RetryGate() {
            @Override
            public void onCall() {}

            @Override
            public boolean tryAcquireRetry() {
                return false;
            }
        };
        Retrier<String> retrier = Retrier.builder(seed000().build()).time(time).gate(empty).build();
        IllegalStateException original = new IllegalStateException("overloaded");

        assertThatThrownBy(() -> retrier.get(() -> { throw original; })).isSameAs(original);
        assertThat(retrier.stats().snapshot().budgetRejected()).isEqualTo(1);
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void aClassifierMayAcceptAnExceptionAsNoFailure() {
        RetryPolicy<String> policy = seed000()
                .classifier((result, failure) -> failure instanceof UnsupportedOperationException ? Verdict.success() : Verdict.retry())
                .build();
        UnsupportedOperationException notFound = new UnsupportedOperationException("no such row");
        Retrier<String> retrier = retrier(policy);
        assertThatThrownBy(() -> retrier.get(() -> { throw notFound; })).isSameAs(notFound);
        assertThat(retrier.stats().snapshot().successes()).isEqualTo(1);
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void policyValidationNamesTheField() {
        assertThatThrownBy(() -> RetryPolicy.builder().name("billing").maxAttempts(0).build())
                .hasMessage("maxAttempts must be at least 1 (was 0) in retry policy 'billing'");
        assertThatThrownBy(() -> RetryPolicy.builder().maxDuration(Duration.ZERO).build())
                .hasMessageContaining("maxDuration must be positive (was PT0S)");
        assertThatThrownBy(() -> RetryPolicy.<String>builder().classifier(Classifier_.always()).retryOn(IOException.class).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("both classifier(...) and retryOn");
    }

    /** A tiny classifier for the validation test. */
    private static final class Classifier_ {
        static dev.endure.Classifier<String> always() {
            return (result, failure) -> Verdict.retry();
        }
    }

    @Test
    void aFunctionKeptInAFieldGetsTheCallsArgumentOnEveryAttemptAndItsCheckedFailureUnchanged() throws Exception {
        Retrier<String> retrier = retrier(seed000().retryOn(IOException.class).build());
        List<String> seen = new ArrayList<>();
        RetryFunction<String, String, IOException> reserve = (units, context) -> {
            seen.add(units + "@" + context.attempt());
            if (context.attempt() < 3) {
                throw new IOException("connection reset");
            }
            return "reserved " + units;
        };

        assertThat(retrier.execute(reserve, "5 units")).isEqualTo("reserved 5 units");
        assertThat(seen).containsExactly("5 units@1", "5 units@2", "5 units@3");

        IOException permanent = new IOException("disk full");
        RetryFunction<String, String, IOException> broken = (units, context) -> {
            throw permanent;
        };
        Retrier<String> once = retrier(seed000().failOn(IOException.class).build());
        assertThatThrownBy(() -> once.execute(broken, "5 units")).isSameAs(permanent);
    }
}
