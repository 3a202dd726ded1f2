package dev.endure.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.endure.Scheduler;
import dev.endure.Verdict;
import dev.endure.VirtualTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AsyncRetrierTest {

    private final VirtualTime time = new VirtualTime();

    private static RetryPolicy<String> policy(int maxAttempts, Duration delay) {
        return RetryPolicy.<String>builder().name("async").maxAttempts(maxAttempts).backoff(Backoff.fixed(delay)).build();
    }

    private static CompletableFuture<String> failed(String message) {
        return CompletableFuture.failedFuture(new IllegalStateException(message));
    }

    @Test
    void retriesAsynchronouslyOnVirtualTime() throws Exception {
        Retrier<String> retrier = Retrier.builder(policy(5, Duration.ofSeconds(2))).time(time).build();
        AtomicInteger attempts = new AtomicInteger();

        CompletableFuture<String> result = retrier.getAsync(() ->
                attempts.incrementAndGet() < 3 ? failed("busy") : CompletableFuture.completedFuture("ok"));

        assertThat(result).isNotDone();
        assertThat(time.pendingTasks()).isEqualTo(1);
        time.advance(Duration.ofMillis(1_999));
        assertThat(attempts).as("never early").hasValue(1);
        time.advance(Duration.ofMillis(1));
        assertThat(attempts).hasValue(2);
        time.advance(Duration.ofSeconds(2));
        assertThat(result.get(0, TimeUnit.SECONDS)).isEqualTo("ok");
        assertThat(retrier.stats().snapshot().successesAfterRetry()).isEqualTo(1);
    }

    @Test
    void manyConcurrentRetriesWaitWithoutParkingAThread() throws Exception {
        // One timer thread, 500 calls all waiting for their retry at the same moment: if waiting
        // blocked a thread, the single thread would hold one call and the queue could never fill.
        ScheduledThreadPoolExecutor single = new ScheduledThreadPoolExecutor(1);
        try {
            int calls = 500;
            Retrier<String> retrier = Retrier.builder(policy(3, Duration.ofHours(1)))
                    .scheduler(Scheduler.of(single)).build();
            List<CompletableFuture<String>> results = new ArrayList<>();
            AtomicInteger attempts = new AtomicInteger();
            for (int i = 0; i < calls; i++) {
                results.add(retrier.getAsync(() -> {
                    attempts.incrementAndGet();
                    return failed("first attempt fails");
                }));
            }

            assertThat(single.getQueue()).hasSize(calls);
            assertThat(single.getActiveCount()).isZero();
            assertThat(attempts).hasValue(calls);
            assertThat(results).noneMatch(CompletableFuture::isDone);

            results.forEach(future -> future.cancel(false));
        } finally {
            single.shutdownNow();
        }
    }

    @Test
    void retriesRunOnARealSchedulerToo() {
        ScheduledThreadPoolExecutor single = new ScheduledThreadPoolExecutor(1);
        try {
            Retrier<String> retrier = Retrier.builder(policy(3, Duration.ofMillis(5))).scheduler(Scheduler.of(single)).build();
            List<CompletableFuture<String>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                AtomicInteger attempts = new AtomicInteger();
                results.add(retrier.getAsync(() -> attempts.incrementAndGet() == 1
                        ? failed("once") : CompletableFuture.completedFuture("ok")));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> results.stream().allMatch(CompletableFuture::isDone));
            assertThat(results).allSatisfy(future -> assertThat(future).isCompletedWithValue("ok"));
            assertThat(retrier.stats().snapshot().retries()).isEqualTo(200);
        } finally {
            single.shutdownNow();
        }
    }

    @Test
    void cancellingTheFutureCancelsThePendingRetry() {
        List<RetryEvent> events = new CopyOnWriteArrayList<>();
        Retrier<String> retrier = Retrier.builder(policy(10, Duration.ofMinutes(1))).time(time).listener(events::add).build();
        AtomicInteger attempts = new AtomicInteger();

        CompletableFuture<String> result = retrier.getAsync(() -> {
            attempts.incrementAndGet();
            return failed("down");
        });
        assertThat(time.pendingTasks()).isEqualTo(1);

        assertThat(result.cancel(false)).isTrue();

        assertThat(time.pendingTasks()).isZero();
        time.advance(Duration.ofHours(1));
        assertThat(attempts).hasValue(1);
        assertThat(result).isCancelled();
        assertThat(events).last().isInstanceOfSatisfying(RetryEvent.Aborted.class,
                aborted -> assertThat(aborted.reason()).isEqualTo(AbortReason.CANCELLED));
        assertThat(retrier.stats().snapshot().aborted()).isEqualTo(1);
    }

    @Test
    void cancellingAlsoCancelsTheAttemptInFlight() {
        Retrier<String> retrier = Retrier.builder(policy(3, Duration.ofSeconds(1))).time(time).build();
        CompletableFuture<String> inFlight = new CompletableFuture<>();

        CompletableFuture<String> result = retrier.getAsync(() -> inFlight);
        result.cancel(true);

        assertThat(inFlight).isCancelled();
        assertThat(result).isCancelled();
    }

    @Test
    void asyncExhaustionCompletesWithTheSameErrorAsSync() {
        Retrier<String> retrier = Retrier.builder(policy(3, Duration.ofSeconds(1))).time(time).build();
        CompletableFuture<String> result = retrier.getAsync(() -> failed("still down"));

        time.runUntilIdle(10);

        assertThat(result).isCompletedExceptionally();
        Throwable error = catchCause(result);
        assertThat(error).isInstanceOf(RetriesExhaustedException.class)
                .hasMessage("retries exhausted after 3 attempts in 2 s (policy 'async': max attempts 3 reached);"
                        + " last failure: java.lang.IllegalStateException: still down");
    }

    @Test
    void asyncPermanentFailureIsNotRetriedAndKeepsItsType() {
        RetryPolicy<String> permanent = RetryPolicy.<String>builder().retryOn(java.io.IOException.class).build();
        Retrier<String> retrier = Retrier.builder(permanent).time(time).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = retrier.getAsync(() -> {
            attempts.incrementAndGet();
            return CompletableFuture.failedFuture(new IllegalArgumentException("bad input"));
        });
        assertThat(catchCause(result)).isInstanceOf(IllegalArgumentException.class).hasMessage("bad input");
        assertThat(attempts).hasValue(1);
        assertThat(time.pendingTasks()).isZero();
    }

    @Test
    void aSupplierThatThrowsInsteadOfReturningAStageIsAFailedAttempt() {
        Retrier<String> retrier = Retrier.builder(policy(3, Duration.ofSeconds(1))).time(time).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = retrier.getAsync(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("threw before starting");
            }
            return CompletableFuture.completedFuture("ok");
        });
        time.runUntilIdle(10);
        assertThat(result).isCompletedWithValue("ok");
    }

    @Test
    void asyncRetryAfterHintIsAFloor() {
        RetryPolicy<String> throttled = RetryPolicy.<String>builder().maxAttempts(2).backoff(Backoff.fixed(Duration.ofMillis(10)))
                .classifier((result, failure) -> failure == null ? Verdict.success() : Verdict.retryAfter(Duration.ofSeconds(7)))
                .build();
        Retrier<String> retrier = Retrier.builder(throttled).time(time).build();
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<String> result = retrier.getAsync(() ->
                attempts.incrementAndGet() == 1 ? failed("429") : CompletableFuture.completedFuture("ok"));

        time.advance(Duration.ofMillis(6_999));
        assertThat(attempts).hasValue(1);
        time.advance(Duration.ofMillis(1));
        assertThat(result).isCompletedWithValue("ok");
    }

    private static Throwable catchCause(CompletableFuture<?> future) {
        try {
            future.get(0, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (CancellationException | InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        }
    }
}
