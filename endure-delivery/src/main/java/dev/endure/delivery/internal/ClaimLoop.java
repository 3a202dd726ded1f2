package dev.endure.delivery.internal;

import dev.endure.delivery.spi.Claim;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * A worker's poller: waits for room (at most {@code holding} deliveries held at once), claims as many as there
 * is room for, hands them out, and when nothing is due waits for the poll interval or a {@link #wake()}.
 * Under a backlog it waits briefly (at most {@link #GATHER_NANOS}) for more room before claiming, so one claim
 * transaction leases a batch rather than one delivery per finished send.
 */
public final class ClaimLoop {

    /** The longest a poller with a backlog waits to gather room into one claim. */
    private static final long GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final int holding;
    private final Duration pollInterval;
    private final IntFunction<List<Claim>> claim;
    private final Consumer<List<Claim>> dispatch;
    private final Runnable claimSucceeded;
    private final Consumer<RuntimeException> claimFailed;
    private final Semaphore room;
    /** Released by {@link #wake()}: an idle poller claims at once instead of at the end of its poll interval. */
    private final Semaphore wakeups = new Semaphore(0);
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile Thread thread;

    /**
     * @param claim leases up to the given number of due deliveries; throws when the store fails
     * @param dispatch starts the claims; each must end with {@link #done()}
     * @param claimSucceeded told after each claim that worked
     * @param claimFailed told after each claim that threw
     */
    public ClaimLoop(int holding, Duration pollInterval, IntFunction<List<Claim>> claim, Consumer<List<Claim>> dispatch,
            Runnable claimSucceeded, Consumer<RuntimeException> claimFailed) {
        this.holding = holding;
        this.pollInterval = pollInterval;
        this.claim = claim;
        this.dispatch = dispatch;
        this.claimSucceeded = claimSucceeded;
        this.claimFailed = claimFailed;
        this.room = new Semaphore(holding);
    }

    /** Starts polling on a daemon thread of that name; false if already running. */
    public boolean start(String threadName) {
        if (!running.compareAndSet(false, true)) {
            return false;
        }
        Thread poller = new Thread(this::loop, threadName);
        poller.setDaemon(true);
        thread = poller;
        poller.start();
        return true;
    }

    /** Stops polling (waits up to 5 s for the poller); deliveries already handed out go on. */
    public void stop() {
        running.set(false);
        Thread poller = thread;
        if (poller != null) {
            poller.interrupt();
            try {
                poller.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One dispatched delivery has ended: its room is free again. */
    public void done() {
        room.release();
    }

    /** Deliveries are due now (a send in this process committed): an idle poller claims at once. */
    public void wake() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    private void loop() {
        boolean backlog = false;
        while (running.get()) {
            try {
                room.acquire(); // wait for room for at least one
                int free = 1 + room.drainPermits();
                if (backlog) {
                    free += gather(free);
                }
                List<Claim> claims;
                try {
                    claims = claim.apply(free);
                    claimSucceeded.run();
                } catch (RuntimeException failure) {
                    room.release(free);
                    claimFailed.accept(failure);
                    TimeUnit.NANOSECONDS.sleep(pollInterval.toNanos()); // try again after the poll interval, woken or not
                    continue;
                }
                room.release(free - claims.size());
                backlog = !claims.isEmpty() && claims.size() == free; // a full batch: more are probably due
                dispatch.accept(claims);
                if (claims.isEmpty()) {
                    // Only the idle poller waits here; stop() interrupts it, wake() ends the wait early.
                    wakeups.tryAcquire(pollInterval.toNanos(), TimeUnit.NANOSECONDS);
                    wakeups.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** @return how much more room was taken while waiting (up to half of {@code holding} in all) */
    private int gather(int free) throws InterruptedException {
        int wanted = Math.max(1, holding / 2) - free;
        int more = 0;
        long deadline = System.nanoTime() + GATHER_NANOS;
        while (more < wanted) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !room.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                break;
            }
            more += 1 + room.drainPermits();
        }
        return more;
    }
}
