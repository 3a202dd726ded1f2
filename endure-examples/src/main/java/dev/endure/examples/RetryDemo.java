package dev.endure.examples;

import dev.endure.Durations;
import dev.endure.Verdict;
import dev.endure.retry.Backoff;
import dev.endure.retry.Jitter;
import dev.endure.retry.RetriesExhaustedException;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryEvent;
import dev.endure.retry.RetryPolicy;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The README's first command: a flaky downstream, a retry policy, and every event it produces.
 * Runs in about a second on the real clock.
 */
public final class RetryDemo {

    private RetryDemo() {}

    public static void main(String[] args) {
        run(System.out);
    }

    /** Runs the demo, printing to {@code out}; returns the number of calls that ended in success. */
    static int run(PrintStream out) {
        RetryPolicy<Integer> policy = RetryPolicy.<Integer>builder()
                .name("billing")
                .maxAttempts(4)
                .maxDuration(Duration.ofSeconds(5))
                .backoff(Backoff.exponential(Duration.ofMillis(50), 2.0).withCap(Duration.ofMillis(400))
                        .withJitter(Jitter.proportional(0.10)))
                // seed 004: retry 408, 429 and 5xx; never another 4xx
                .classifier((status, failure) -> {
                    if (failure != null) {
                        return Verdict.retry(failure.getClass().getSimpleName() + ": " + failure.getMessage());
                    }
                    if (status == 408 || status == 429 || status >= 500) {
                        return Verdict.retry("HTTP " + status);
                    }
                    return status >= 400 ? Verdict.fail("HTTP " + status) : Verdict.success();
                })
                .build();
        Retrier<Integer> retrier = Retrier.builder(policy).listener(event -> out.println("  event  " + describe(event))).build();
        int successes = 0;

        out.println("1) a downstream that answers 500, 500, then 201:");
        int[] answers = {500, 500, 201};
        AtomicInteger call = new AtomicInteger();
        int status = retrier.get(() -> answers[call.getAndIncrement()]);
        out.println("  result HTTP " + status + " after " + call.get() + " attempts");
        successes += status == 201 ? 1 : 0;

        out.println("2) a 400 is the caller's mistake: no retry");
        out.println("  result HTTP " + retrier.get(() -> 400));

        out.println("3) a downstream that stays down (503) until the policy gives up:");
        try {
            retrier.get(() -> 503);
        } catch (RetriesExhaustedException e) {
            out.println("  error  " + e.getMessage());
        }

        out.println("4) the same rules asynchronously (no thread waits between attempts):");
        AtomicInteger asyncCalls = new AtomicInteger();
        CompletableFuture<Integer> async = retrier.getAsync(() -> CompletableFuture.supplyAsync(() -> {
            if (asyncCalls.incrementAndGet() == 1) {
                throw new IllegalStateException("connection reset");
            }
            return 200;
        }));
        int asyncStatus = async.join();
        out.println("  result HTTP " + asyncStatus);
        successes += asyncStatus == 200 ? 1 : 0;

        out.println("stats  " + retrier.stats().snapshot());
        return successes;
    }

    private static String describe(RetryEvent event) {
        if (event instanceof RetryEvent.AttemptFailed failed) {
            return "attempt_failed   attempt=" + failed.attempt() + " verdict=" + failed.verdict();
        }
        if (event instanceof RetryEvent.RetryScheduled scheduled) {
            return "retry_scheduled  next_attempt=" + scheduled.nextAttempt() + " delay="
                    + Durations.describe(scheduled.delay()) + " reason=\"" + scheduled.reason() + "\"";
        }
        if (event instanceof RetryEvent.Succeeded succeeded) {
            return "succeeded        attempts=" + succeeded.attempts() + " elapsed=" + Durations.describe(succeeded.elapsed());
        }
        if (event instanceof RetryEvent.FailedPermanently failed) {
            return "failed_now       attempts=" + failed.attempts() + " verdict=" + failed.verdict();
        }
        if (event instanceof RetryEvent.Exhausted exhausted) {
            return "exhausted        attempts=" + exhausted.attempts() + " reason=" + exhausted.reason();
        }
        return event.toString();
    }
}
