package dev.endure.server.metrics;

import dev.endure.delivery.DeliveryState;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Queue depth by state over time, for the dashboard's chart and the /metrics gauges: a bounded ring
 * of samples taken by the server every {@code dashboard.sampleInterval}. Sampling is seconds apart,
 * so one lock is no contention (and no {@code synchronized}, which would pin virtual threads).
 */
public final class QueueHistory {

    /** The counts at one moment. */
    public record Sample(Instant at, Map<DeliveryState, Long> counts) {}

    private final int capacity;
    private final ArrayDeque<Sample> samples;
    private final ReentrantLock lock = new ReentrantLock();

    public QueueHistory(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("dashboard.historySamples must be at least 1 (was " + capacity + ")");
        }
        this.capacity = capacity;
        this.samples = new ArrayDeque<>(capacity);
    }

    public void record(Instant at, Map<DeliveryState, Long> counts) {
        Sample sample = new Sample(at, Map.copyOf(new EnumMap<>(counts)));
        lock.lock();
        try {
            if (samples.size() == capacity) {
                samples.removeFirst();
            }
            samples.addLast(sample);
        } finally {
            lock.unlock();
        }
    }

    public List<Sample> samples() {
        lock.lock();
        try {
            return List.copyOf(samples);
        } finally {
            lock.unlock();
        }
    }

    /** The latest counts, or null before the first sample. */
    public Sample latest() {
        lock.lock();
        try {
            return samples.peekLast();
        } finally {
            lock.unlock();
        }
    }
}
