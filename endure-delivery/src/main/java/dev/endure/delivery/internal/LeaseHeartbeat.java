package dev.endure.delivery.internal;

import dev.endure.Cancellable;
import dev.endure.Clock;
import dev.endure.Scheduler;
import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.spi.DeliveryStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Renews the leases of the deliveries a worker has in flight, every {@code interval}, to {@code lease}
 * from now (DESIGN.md idea 11). A live worker therefore keeps its claims however long a send takes, and a
 * dead one's claims expire within one lease. Fencing is untouched: a renewal only extends a lease whose
 * token is still the delivery's latest, so a worker whose claim was taken over cannot win it back.
 *
 * <p>The timer runs only while something is in flight, so a worker on virtual time with nothing to do
 * leaves no task queued.
 */
public final class LeaseHeartbeat implements AutoCloseable {

    /** What a beat did: renewed, or could not reach the store. */
    public interface Outcome {
        void renewed(int claims, int stillHeld);

        void failed(RuntimeException cause);
    }

    private final DeliveryStore store;
    private final Clock clock;
    private final Scheduler scheduler;
    private final Duration lease;
    private final Duration interval;
    private final Outcome outcome;
    private final Map<String, Claim> inFlight = new ConcurrentHashMap<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicReference<Cancellable> timer = new AtomicReference<>();
    private volatile boolean closed;

    public LeaseHeartbeat(DeliveryStore store, Clock clock, Scheduler scheduler, Duration lease, Duration interval, Outcome outcome) {
        this.store = store;
        this.clock = clock;
        this.scheduler = scheduler;
        this.lease = lease;
        this.interval = interval;
        this.outcome = outcome;
    }

    /** A daemon timer thread for a worker's heartbeat. */
    public static java.util.concurrent.ScheduledExecutorService timerThread(String name) {
        return java.util.concurrent.Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Keeps {@code claim}'s lease alive until {@link #untrack}. */
    public void track(Claim claim) {
        inFlight.put(claim.deliveryId(), claim);
        armIfNeeded();
    }

    public void untrack(Claim claim) {
        inFlight.remove(claim.deliveryId(), claim);
    }

    /** How many deliveries are in flight on this worker. */
    public int inFlight() {
        return inFlight.size();
    }

    /** Renews now (the timer calls this; tests and callers may too). */
    public void beat() {
        List<Claim> claims = List.copyOf(inFlight.values());
        if (claims.isEmpty()) {
            return;
        }
        try {
            int held = store.renewLeases(claims, clock.instant().plus(lease));
            outcome.renewed(claims.size(), held);
        } catch (RuntimeException storeTrouble) {
            outcome.failed(storeTrouble);
        }
    }

    private void armIfNeeded() {
        if (!closed && scheduled.compareAndSet(false, true)) {
            timer.set(scheduler.schedule(this::tick, interval.toNanos()));
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        beat();
        scheduled.set(false);
        if (!inFlight.isEmpty()) {
            armIfNeeded();
        }
    }

    @Override
    public void close() {
        closed = true;
        Cancellable pending = timer.get();
        if (pending != null) {
            pending.cancel();
        }
    }
}
