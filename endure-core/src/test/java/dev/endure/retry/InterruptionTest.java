package dev.endure.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Uses the real scheduler on purpose: only a really waiting thread can be interrupted. */
class InterruptionTest {

    @Test
    void interruptionDuringADelayStopsRetryingAndRestoresTheFlag() throws Exception {
        RetryPolicy<String> policy = RetryPolicy.<String>builder().name("slow").maxAttempts(5)
                .backoff(Backoff.fixed(Duration.ofHours(1))).build();
        CountDownLatch waiting = new CountDownLatch(1);
        Retrier<String> retrier = Retrier.builder(policy)
                .listener(event -> {
                    if (event instanceof RetryEvent.RetryScheduled) {
                        waiting.countDown();
                    }
                })
                .build();
        AtomicInteger attempts = new AtomicInteger();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flagAfterwards = new AtomicBoolean();

        Thread caller = new Thread(() -> {
            try {
                retrier.get(() -> {
                    attempts.incrementAndGet();
                    throw new IllegalStateException("down");
                });
            } catch (Throwable t) {
                thrown.set(t);
                flagAfterwards.set(Thread.currentThread().isInterrupted());
            }
        });
        caller.start();
        waiting.await();
        await().atMost(Duration.ofSeconds(10)).until(() -> caller.getState() == Thread.State.TIMED_WAITING);

        caller.interrupt();
        caller.join(Duration.ofSeconds(10).toMillis());

        assertThat(caller.isAlive()).isFalse();
        assertThat(attempts).hasValue(1);
        assertThat(thrown.get()).isInstanceOf(RetryInterruptedException.class)
                .hasMessageStartingWith("retry of 'slow' interrupted while waiting 1 h before attempt 2 (after 1 attempt in")
                .hasMessageEndingWith("retrying stopped and the thread's interrupt flag is set again")
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThat(flagAfterwards).isTrue();
        assertThat(retrier.stats().snapshot().aborted()).isEqualTo(1);
    }
}
