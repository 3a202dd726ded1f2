package dev.endure.breaker;

import java.time.Duration;
import java.util.Objects;

/**
 * Which recent calls a {@link CircuitBreaker} looks at to compute its failure rate: the last N calls
 * ({@link #countBased}) or the calls of the last period of time ({@link #timeBased}). An immutable value.
 *
 * <p>A time-based window is kept in {@value #TIME_BUCKETS} buckets, so a call leaves it up to one
 * bucket (a twentieth of the window) late: a 60 s window forgets calls in steps of 3 s.
 */
public final class SlidingWindow {

    /** How many buckets a time-based window is cut into. */
    public static final int TIME_BUCKETS = 20;
    /** The largest count-based window (a ring of this many outcomes is kept per breaker). */
    public static final int MAX_CALLS = 100_000;

    /** The two ways to bound a window. */
    public enum Kind {
        COUNT_BASED, TIME_BASED
    }

    private final Kind kind;
    private final int calls;
    private final Duration length;

    private SlidingWindow(Kind kind, int calls, Duration length) {
        this.kind = kind;
        this.calls = calls;
        this.length = length;
    }

    /**
     * The last {@code calls} calls.
     *
     * @throws IllegalArgumentException if {@code calls} is not between 1 and {@value #MAX_CALLS}
     */
    public static SlidingWindow countBased(int calls) {
        if (calls < 1 || calls > MAX_CALLS) {
            throw new IllegalArgumentException("slidingWindow calls must be between 1 and " + MAX_CALLS + " (was " + calls + ")");
        }
        return new SlidingWindow(Kind.COUNT_BASED, calls, null);
    }

    /**
     * The calls of the last {@code length}.
     *
     * @throws IllegalArgumentException if {@code length} is shorter than {@value #TIME_BUCKETS} ms
     */
    public static SlidingWindow timeBased(Duration length) {
        Objects.requireNonNull(length, "slidingWindow length");
        if (length.toMillis() < TIME_BUCKETS) {
            throw new IllegalArgumentException("slidingWindow length must be at least " + TIME_BUCKETS + " ms (was " + length + ")");
        }
        return new SlidingWindow(Kind.TIME_BASED, 0, length);
    }

    public Kind kind() {
        return kind;
    }

    /** The number of calls of a count-based window; 0 for a time-based one. */
    public int calls() {
        return calls;
    }

    /** The length of a time-based window; null for a count-based one. */
    public Duration length() {
        return length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SlidingWindow that && kind == that.kind && calls == that.calls
                && Objects.equals(length, that.length);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, calls, length);
    }

    @Override
    public String toString() {
        return kind == Kind.COUNT_BASED ? "last " + calls + " calls" : "last " + length;
    }
}
