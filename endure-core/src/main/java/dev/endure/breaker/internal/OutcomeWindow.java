package dev.endure.breaker.internal;

import dev.endure.breaker.SlidingWindow;

/**
 * The recent outcomes a breaker computes its failure rate over. Not thread-safe: the breaker calls it
 * only under its lock. Internal: users must not import this package.
 */
public abstract class OutcomeWindow {

    OutcomeWindow() {}

    /** A window of the kind {@code spec} describes. */
    public static OutcomeWindow of(SlidingWindow spec) {
        return spec.kind() == SlidingWindow.Kind.COUNT_BASED
                ? new CountWindow(spec.calls())
                : new TimeWindow(spec.length().toNanos(), SlidingWindow.TIME_BUCKETS);
    }

    /** Adds one outcome that happened at {@code nowNanos}. */
    public abstract void record(boolean failure, long nowNanos);

    /** Calls in the window at {@code nowNanos}. */
    public abstract int calls(long nowNanos);

    /** Failed calls in the window at {@code nowNanos}. */
    public abstract int failures(long nowNanos);

    /** Forgets everything (the breaker closed or was reset). */
    public abstract void clear();

    /** The last N outcomes in a ring. */
    static final class CountWindow extends OutcomeWindow {
        private final boolean[] failed;
        private int next;
        private int size;
        private int failures;

        CountWindow(int capacity) {
            this.failed = new boolean[capacity];
        }

        @Override
        public void record(boolean failure, long nowNanos) {
            if (size == failed.length) {
                if (failed[next]) {
                    failures--;
                }
            } else {
                size++;
            }
            failed[next] = failure;
            if (failure) {
                failures++;
            }
            next = next + 1 == failed.length ? 0 : next + 1;
        }

        @Override
        public int calls(long nowNanos) {
            return size;
        }

        @Override
        public int failures(long nowNanos) {
            return failures;
        }

        @Override
        public void clear() {
            java.util.Arrays.fill(failed, false);
            next = 0;
            size = 0;
            failures = 0;
        }
    }

    /**
     * The outcomes of the last {@code length} in fixed buckets with running totals: recording and reading
     * cost O(1) amortised, however many calls the window holds.
     */
    static final class TimeWindow extends OutcomeWindow {
        private final long bucketNanos;
        private final int[] calls;
        private final int[] failed;
        private long currentEpoch;
        private boolean started;
        private int totalCalls;
        private int totalFailures;

        TimeWindow(long lengthNanos, int buckets) {
            this.bucketNanos = Math.max(1, lengthNanos / buckets);
            this.calls = new int[buckets];
            this.failed = new int[buckets];
        }

        @Override
        public void record(boolean failure, long nowNanos) {
            int index = moveTo(nowNanos);
            calls[index]++;
            totalCalls++;
            if (failure) {
                failed[index]++;
                totalFailures++;
            }
        }

        @Override
        public int calls(long nowNanos) {
            moveTo(nowNanos);
            return totalCalls;
        }

        @Override
        public int failures(long nowNanos) {
            moveTo(nowNanos);
            return totalFailures;
        }

        @Override
        public void clear() {
            java.util.Arrays.fill(calls, 0);
            java.util.Arrays.fill(failed, 0);
            totalCalls = 0;
            totalFailures = 0;
        }

        /** Expires the buckets time has left behind and returns the index of the current one. */
        private int moveTo(long nowNanos) {
            long epoch = Math.floorDiv(nowNanos, bucketNanos);
            if (!started) {
                started = true;
                currentEpoch = epoch;
            } else if (epoch > currentEpoch) {
                if (epoch - currentEpoch >= calls.length) {
                    clear();
                } else {
                    for (long e = currentEpoch + 1; e <= epoch; e++) {
                        int index = (int) Math.floorMod(e, (long) calls.length);
                        totalCalls -= calls[index];
                        totalFailures -= failed[index];
                        calls[index] = 0;
                        failed[index] = 0;
                    }
                }
                currentEpoch = epoch;
            }
            // A reading older than the newest bucket (possible only across clocks) lands in the newest one.
            return (int) Math.floorMod(currentEpoch, (long) calls.length);
        }
    }
}
