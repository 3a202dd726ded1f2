package dev.endure;

import java.time.Instant;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/** The JVM's own clock and a lazily started, shared timer thread. */
final class SystemTime implements Clock {

    static final SystemTime INSTANCE = new SystemTime();
    static final Scheduler SCHEDULER = new LazyScheduler();

    private SystemTime() {}

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant instant() {
        return Instant.now();
    }

    @Override
    public String toString() {
        return "Clock.system()";
    }

    /** Starts the timer thread on first use so that sync-only users never create one. */
    private static final class LazyScheduler implements Scheduler {

        @Override
        public Cancellable schedule(Runnable task, long delayNanos) {
            return Holder.DELEGATE.schedule(task, delayNanos);
        }

        @Override
        public void sleep(long nanos) throws InterruptedException {
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(nanos);
        }

        @Override
        public String toString() {
            return "Scheduler.system()";
        }
    }

    private static final class Holder {
        static final Scheduler DELEGATE = new ExecutorScheduler(newTimer());

        private static ScheduledThreadPoolExecutor newTimer() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "endure-timer");
                thread.setDaemon(true);
                return thread;
            });
            // Cancelled retries must not keep their closures alive until the original deadline.
            executor.setRemoveOnCancelPolicy(true);
            return executor;
        }
    }
}
