package dev.endure.breaker;

import dev.endure.Cancellable;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A {@link CircuitBreaker}'s link to its {@link BreakerStore}: restore at start, follow other instances'
 * changes, and save this instance's transitions in order. The seam between the state machine (which
 * decides) and persistence (which may be slow or down): a store that fails is logged once and the
 * breaker goes on with its local state.
 */
final class BreakerStoreSync {

    private static final System.Logger LOG = System.getLogger(CircuitBreaker.class.getName());

    private final BreakerStore store;
    private final String name;
    private final String instanceId = UUID.randomUUID().toString();
    private final AtomicReference<BreakerRecord> unsaved = new AtomicReference<>();
    private final AtomicBoolean saving = new AtomicBoolean();
    /** The newest version this instance saved or adopted: older records are old news. */
    private final AtomicLong storedVersion = new AtomicLong();
    private volatile boolean failureLogged;
    private volatile Cancellable watch;

    BreakerStoreSync(BreakerStore store, String name) {
        this.store = store;
        this.name = name;
    }

    String instanceId() {
        return instanceId;
    }

    /** Restores the stored state (if any and readable), then follows changes made by other instances. */
    void attach(Consumer<BreakerRecord> restore, Consumer<BreakerRecord> follow) {
        try {
            store.load(name).ifPresent(restore);
        } catch (RuntimeException unreadable) {
            // A broken store must not keep the service from starting: begin CLOSED, as without one.
            failureLogged = true;
            LOG.log(System.Logger.Level.WARNING, "circuit breaker '" + name + "' could not load its state from "
                    + store + "; it starts CLOSED", unreadable);
        }
        watch = store.watch(name, follow);
    }

    /** True if {@code stored} is another instance's change newer than anything seen here; remembers its version. */
    boolean isNews(BreakerRecord stored) {
        long before = storedVersion.getAndAccumulate(stored.version(), Math::max);
        return !stored.writer().equals(instanceId) && stored.version() > before;
    }

    /** Queues a record to save; only the newest queued one is saved, so saves keep the order of transitions. */
    void queue(BreakerRecord next) {
        unsaved.set(next);
    }

    /** Saves the newest queued record; one thread at a time, so an older state never overwrites a newer one. */
    void saveQueued() {
        while (unsaved.get() != null && saving.compareAndSet(false, true)) {
            try {
                BreakerRecord next;
                while ((next = unsaved.getAndSet(null)) != null) {
                    try {
                        storedVersion.accumulateAndGet(store.save(next), Math::max);
                    } catch (RuntimeException storeDown) {
                        if (!failureLogged) {
                            failureLogged = true;
                            LOG.log(System.Logger.Level.WARNING, "circuit breaker '" + name + "' could not save its "
                                    + next.state() + " state to " + store + "; it goes on with its local state"
                                    + " (further store failures are not logged)", storeDown);
                        }
                    }
                }
            } finally {
                saving.set(false);
            }
        }
    }

    /** Stops following the store. */
    void close() {
        Cancellable current = watch;
        if (current != null) {
            current.cancel();
        }
    }
}
