package dev.endure.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The background loop of a shared store (breakers, budgets): one daemon thread that runs a sync every
 * interval, started on first use. A failing sync is logged once per streak of failures, with the
 * consequence the caller names, and once more when the store answers again: a database outage must not
 * flood the log every second, and no call ever waits for it.
 */
public final class SyncLoop implements AutoCloseable {

    private final String threadName;
    private final Duration interval;
    private final Runnable sync;
    private final System.Logger log;
    private final String failing;
    private final String recovered;
    private final ReentrantLock lock = new ReentrantLock();
    private ScheduledExecutorService executor;
    private volatile boolean closed;
    private volatile boolean inFailureStreak;

    /**
     * @param failing logged (with the failure) at the first failure of a streak
     * @param recovered logged when a sync succeeds after a streak of failures
     */
    public SyncLoop(String threadName, Duration interval, Runnable sync, System.Logger log, String failing, String recovered) {
        this.threadName = Objects.requireNonNull(threadName, "threadName");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.sync = Objects.requireNonNull(sync, "sync");
        this.log = Objects.requireNonNull(log, "log");
        this.failing = failing;
        this.recovered = recovered;
    }

    /**
     * Checks a store's {@code syncInterval} setting.
     *
     * @throws IllegalArgumentException naming the value unless it is positive
     */
    public static Duration checkInterval(Duration syncInterval) {
        Objects.requireNonNull(syncInterval, "syncInterval");
        if (syncInterval.isNegative() || syncInterval.isZero()) {
            throw new IllegalArgumentException("syncInterval must be positive (was " + syncInterval + ")");
        }
        return syncInterval;
    }

    /** Starts the loop unless it runs or was closed; the first sync comes after one interval. */
    public void start() {
        lock.lock();
        try {
            if (executor == null && !closed) {
                ScheduledThreadPoolExecutor started = new ScheduledThreadPoolExecutor(1, runnable -> {
                    Thread thread = new Thread(runnable, threadName);
                    thread.setDaemon(true);
                    return thread;
                });
                long nanos = interval.toNanos();
                started.scheduleWithFixedDelay(this::runQuietly, nanos, nanos, TimeUnit.NANOSECONDS);
                executor = started;
            }
        } finally {
            lock.unlock();
        }
    }

    /** True while the last sync failed. */
    public boolean failing() {
        return inFailureStreak;
    }

    private void runQuietly() {
        try {
            sync.run();
            if (inFailureStreak) {
                inFailureStreak = false;
                log.log(System.Logger.Level.INFO, recovered);
            }
        } catch (RuntimeException e) {
            if (!inFailureStreak) {
                inFailureStreak = true;
                log.log(System.Logger.Level.WARNING, failing, e);
            }
        }
    }

    /** Stops the loop for good. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            if (executor != null) {
                executor.shutdownNow();
                executor = null;
            }
        } finally {
            lock.unlock();
        }
    }
}
