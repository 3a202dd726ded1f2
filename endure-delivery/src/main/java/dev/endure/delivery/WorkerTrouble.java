package dev.endure.delivery;


import dev.endure.Clock;
import dev.endure.Scheduler;
import dev.endure.delivery.internal.TroubleState;
import dev.endure.retry.Backoff;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A worker's own trouble (DESIGN.md idea 11): a store that will not take its writes, a claim loop that keeps
 * failing. Each is reported once when it starts and once when it ends (as {@link DeliveryEvent}s, which the
 * server logs and counts), counted every time, and summed up in {@link WorkerHealth} for readiness.
 */
final class WorkerTrouble implements dev.endure.delivery.internal.LeaseHeartbeat.Outcome {

    private final String owner;
    private final Clock clock;
    private final Consumer<DeliveryEvent> emit;
    private final TroubleState store = new TroubleState();
    private final TroubleState claims = new TroubleState();
    private final AtomicLong claimFailures = new AtomicLong();
    private final AtomicLong storeWriteRetries = new AtomicLong();
    private final AtomicLong leaseRenewalFailures = new AtomicLong();
    private final AtomicLong preparationFailures = new AtomicLong();

    WorkerTrouble(String owner, Clock clock, Consumer<DeliveryEvent> emit) {
        this.owner = owner;
        this.clock = clock;
        this.emit = emit;
    }

    /** How a store call refused for an outage is retried: 100 ms doubling to at most 2 s, until it is taken. */
    private static final Backoff STORE_RETRY = Backoff.exponential(Duration.ofMillis(100), 2).withCap(Duration.ofSeconds(2));

    /**
     * Runs one write (or read) an attempt cannot do without until the store answers: a store that is
     * unreachable ({@link StoreUnavailableException}) is retried with a capped backoff on {@code scheduler},
     * reported once when the trouble starts and once when it ends, and counted. Only the worker's shutdown
     * (an interrupt) stops it; the lease then expires on its own and another worker takes the delivery.
     */
    <T> T untilStored(String operation, Supplier<T> work, Scheduler scheduler) {
        for (int failures = 0; ; failures++) {
            try {
                T result = work.get();
                storeAnswered();
                return result;
            } catch (StoreUnavailableException unreachable) {
                storeFailed(operation, unreachable);
                try {
                    scheduler.sleep(STORE_RETRY.delay(failures + 1, null, ThreadLocalRandom.current()).toNanos());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw unreachable;
                }
            }
        }
    }

    void storeAnswered() {
        TroubleState.Ended ended = store.succeeded(clock.nanoTime());
        if (ended != null) {
            emit.accept(new DeliveryEvent.StoreReachable(owner, ended.lasted()));
        }
    }

    /** A write or read the worker needs was refused because the store is unreachable; it will be retried. */
    void storeFailed(String operation, RuntimeException cause) {
        storeWriteRetries.incrementAndGet();
        if (store.failed(cause.getMessage(), clock.nanoTime()) == 1) {
            emit.accept(new DeliveryEvent.StoreUnreachable(owner, operation, String.valueOf(cause.getMessage())));
        }
    }

    @Override
    public void renewed(int claims, int stillHeld) {
        storeAnswered();
    }

    @Override
    public void failed(RuntimeException cause) {
        leaseRenewalFailures.incrementAndGet();
        if (StoreUnavailableException.isStoreOutage(cause) && store.failed(cause.getMessage(), clock.nanoTime()) == 1) {
            emit.accept(new DeliveryEvent.StoreUnreachable(owner, "renew leases", String.valueOf(cause.getMessage())));
        }
    }

    void claimSucceeded() {
        int failedPolls = claims.repeats();
        TroubleState.Ended ended = claims.succeeded(clock.nanoTime());
        if (ended != null && failedPolls >= DeliveryWorker.CLAIM_FAILURES_BEFORE_FAILING) {
            emit.accept(new DeliveryEvent.ClaimLoopRecovered(owner, ended.repeats(), ended.lasted()));
        }
    }

    void claimFailed(RuntimeException failure) {
        claimFailures.incrementAndGet();
        String cause = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        if (claims.failed(cause, clock.nanoTime()) == DeliveryWorker.CLAIM_FAILURES_BEFORE_FAILING) {
            emit.accept(new DeliveryEvent.ClaimLoopFailing(owner, DeliveryWorker.CLAIM_FAILURES_BEFORE_FAILING, cause));
        }
    }

    void preparationFailed() {
        preparationFailures.incrementAndGet();
    }

    WorkerHealth health() {
        boolean storeReachable = store.repeats() == 0;
        boolean claimFailing = claims.repeats() >= DeliveryWorker.CLAIM_FAILURES_BEFORE_FAILING;
        String problem = null;
        if (claimFailing) {
            problem = "the claim loop failed " + claims.repeats() + " polls in a row: " + claims.cause();
        } else if (!storeReachable) {
            problem = "the worker cannot reach the store: " + store.cause();
        }
        return new WorkerHealth(storeReachable, claimFailing, problem, claimFailures.get(), storeWriteRetries.get(),
                leaseRenewalFailures.get(), preparationFailures.get());
    }
}
