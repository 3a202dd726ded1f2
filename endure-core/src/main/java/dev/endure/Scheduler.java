package dev.endure;

import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Where Endure waits. Asynchronous retries hand their delay to {@link #schedule} so that no thread is
 * blocked while waiting; synchronous retries call {@link #sleep}, which a {@link VirtualTime} turns
 * into an instant advance of its clock.
 */
public interface Scheduler {

    /** Runs {@code task} once, after {@code delayNanos}, on a scheduler thread. */
    Cancellable schedule(Runnable task, long delayNanos);

    /**
     * Blocks the calling thread for {@code nanos}.
     *
     * @throws InterruptedException if the thread is interrupted while waiting (the flag is cleared,
     *     as with {@link Thread#sleep})
     */
    void sleep(long nanos) throws InterruptedException;

    /**
     * A scheduler backed by {@code executor} for asynchronous delays; synchronous sleeps park the
     * calling thread with {@link TimeUnit#sleep}, which does not pin a virtual thread.
     */
    static Scheduler of(ScheduledExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return new ExecutorScheduler(executor);
    }

    /**
     * The shared default: one daemon thread that only fires timers (it never runs user code longer
     * than it takes to start the next attempt).
     */
    static Scheduler system() {
        return SystemTime.SCHEDULER;
    }
}
