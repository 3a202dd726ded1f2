package dev.endure.server.store;

import dev.endure.Clock;
import dev.endure.delivery.retention.MessageRetention;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link MessageRetention#purge} every {@code interval} on its own thread: batches are short
 * transactions that skip rows anyone holds, so the worker's claims and records never wait on it, and a
 * failed run (the store away) is logged and tried again at the next interval.
 */
public final class RetentionTask implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RetentionTask.class);
    /** Batches per run at most; a larger backlog continues at the next run. */
    static final int MAX_BATCHES_PER_RUN = 200;

    private final MessageRetention retention;
    private final Clock clock;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "endure-retention");
        thread.setDaemon(true);
        return thread;
    });

    private RetentionTask(MessageRetention retention, Clock clock) {
        this.retention = retention;
        this.clock = clock;
    }

    /** Starts purging now and then every {@code interval}. */
    public static RetentionTask start(MessageRetention retention, Clock clock, Duration interval) {
        RetentionTask task = new RetentionTask(retention, clock);
        long millis = Math.max(1, interval.toMillis());
        task.scheduler.scheduleWithFixedDelay(task::runOnce, millis, millis, TimeUnit.MILLISECONDS);
        return task;
    }

    void runOnce() {
        try {
            MessageRetention.Purged purged = retention.purge(clock.instant(), MAX_BATCHES_PER_RUN);
            if (purged.deliveries() > 0) {
                LOG.info("retention purged {} deliveries, {} attempts and {} messages in {} batches", purged.deliveries(),
                        purged.attempts(), purged.messages(), purged.batches());
            }
        } catch (RuntimeException e) {
            LOG.warn("retention purge failed, trying again at the next interval: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
