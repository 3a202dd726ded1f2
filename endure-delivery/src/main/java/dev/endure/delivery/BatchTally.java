package dev.endure.delivery;


import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Counts one claimed batch's outcomes and reports it ({@link DeliveryEvent.QueueProcessed}) when its last delivery ends. */
final class BatchTally {

    private final String owner;
    private final Consumer<DeliveryEvent> emit;
    private final AtomicInteger remaining;
    private final AtomicInteger delivered = new AtomicInteger();
    private final AtomicInteger retried = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger held = new AtomicInteger();
    private final int size;
    private final long startNanos;

    BatchTally(String owner, int size, long startNanos, Consumer<DeliveryEvent> emit) {
        this.owner = owner;
        this.size = size;
        this.startNanos = startNanos;
        this.emit = emit;
        this.remaining = new AtomicInteger(size);
    }

    void done(AttemptOutcome outcome) {
        if (outcome != null) {
            switch (outcome) {
                case DELIVERED -> delivered.incrementAndGet();
                case RETRY_SCHEDULED -> retried.incrementAndGet();
                case FAILED -> failed.incrementAndGet();
                case HELD -> held.incrementAndGet();
            }
        }
        if (remaining.decrementAndGet() == 0) {
            emit.accept(new DeliveryEvent.QueueProcessed(owner, size, delivered.get(), retried.get(), failed.get(), held.get(),
                    Duration.ofNanos(System.nanoTime() - startNanos)));
        }
    }
}
