package dev.endure;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A clock and scheduler that only move when told to: the test double for every schedule in Endure.
 *
 * <p>{@link #sleep} advances the clock at once (and runs whatever falls due), so a synchronous retry
 * with a one-hour delay returns immediately while {@link #nanoTime()} says an hour has passed.
 * Asynchronous tasks wait in a queue until {@link #advance} or {@link #runUntilIdle} reaches them;
 * they run on the thread that advances time, in due order (ties in scheduling order).
 *
 * <pre>{@code
 * VirtualTime time = new VirtualTime();
 * Retrier<String> retrier = Retrier.builder(policy).time(time).build();
 * retrier.get(flakyCall);                 // waits in virtual time
 * assertThat(time.sleeps()).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20));
 * }</pre>
 */
public final class VirtualTime implements Clock, Scheduler {

    private final ReentrantLock lock = new ReentrantLock();
    private final PriorityQueue<Task> queue = new PriorityQueue<>();
    private final List<Duration> sleeps = new ArrayList<>();
    private final Instant epoch;
    private volatile long now;
    private long sequence;

    /** Starts at 2026-01-01T00:00:00Z. */
    public VirtualTime() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    /** Starts at {@code start} on the wall clock. */
    public VirtualTime(Instant start) {
        this.epoch = Objects.requireNonNull(start, "start");
    }

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public Instant instant() {
        return epoch.plusNanos(now);
    }

    /** Time passed since this clock was created. */
    public Duration elapsed() {
        return Duration.ofNanos(now);
    }

    @Override
    public Cancellable schedule(Runnable task, long delayNanos) {
        Objects.requireNonNull(task, "task");
        lock.lock();
        try {
            Task scheduled = new Task(now + Math.max(0, delayNanos), sequence++, task);
            queue.add(scheduled);
            return () -> {
                lock.lock();
                try {
                    return queue.remove(scheduled);
                } finally {
                    lock.unlock();
                }
            };
        } finally {
            lock.unlock();
        }
    }

    /** Records the sleep and advances the clock by it; throws at once if the thread is interrupted. */
    @Override
    public void sleep(long nanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before a virtual sleep of " + Duration.ofNanos(nanos));
        }
        lock.lock();
        try {
            sleeps.add(Duration.ofNanos(nanos));
        } finally {
            lock.unlock();
        }
        advance(Duration.ofNanos(nanos));
    }

    /** Every {@link #sleep} so far, in order. */
    public List<Duration> sleeps() {
        lock.lock();
        try {
            return Collections.unmodifiableList(new ArrayList<>(sleeps));
        } finally {
            lock.unlock();
        }
    }

    /** Moves time forward by {@code amount}, running every task that falls due on the way. */
    public void advance(Duration amount) {
        if (amount.isNegative()) {
            throw new IllegalArgumentException("time cannot go backwards (was " + amount + ")");
        }
        long target;
        lock.lock();
        try {
            target = now + amount.toNanos();
        } finally {
            lock.unlock();
        }
        while (true) {
            Task due;
            lock.lock();
            try {
                Task head = queue.peek();
                if (head == null || head.dueNanos > target) {
                    if (now < target) {
                        now = target;
                    }
                    return;
                }
                due = queue.poll();
                if (due.dueNanos > now) {
                    now = due.dueNanos;
                }
            } finally {
                lock.unlock();
            }
            due.task.run();
        }
    }

    /**
     * Runs queued tasks in due order, jumping the clock to each, until none is left.
     *
     * @param maxTasks a bound, so a task that reschedules itself forever fails the test instead of hanging it
     * @return how many tasks ran
     * @throws IllegalStateException if tasks are still queued after {@code maxTasks}
     */
    public int runUntilIdle(int maxTasks) {
        int ran = 0;
        while (true) {
            Task due;
            lock.lock();
            try {
                due = queue.poll();
                if (due == null) {
                    return ran;
                }
                if (ran >= maxTasks) {
                    queue.add(due);
                    throw new IllegalStateException(
                            "still " + queue.size() + " tasks queued after running " + maxTasks);
                }
                if (due.dueNanos > now) {
                    now = due.dueNanos;
                }
            } finally {
                lock.unlock();
            }
            due.task.run();
            ran++;
        }
    }

    /** How many tasks wait to run. */
    public int pendingTasks() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "VirtualTime[" + instant() + ", " + pendingTasks() + " pending]";
    }

    private static final class Task implements Comparable<Task> {
        final long dueNanos;
        final long order;
        final Runnable task;

        Task(long dueNanos, long order, Runnable task) {
            this.dueNanos = dueNanos;
            this.order = order;
            this.task = task;
        }

        @Override
        public int compareTo(Task other) {
            int byTime = Long.compare(dueNanos, other.dueNanos);
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }
    }
}
