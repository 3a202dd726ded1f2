package dev.endure.retry;

import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * How a computed delay is randomised so that many clients failing together do not retry together.
 * A value; the bounds of each kind are part of its contract (and checked by property tests).
 *
 * <table>
 *   <caption>Jitter kinds, for a computed delay {@code d}</caption>
 *   <tr><th>kind</th><th>delay lies in</th><th>use</th></tr>
 *   <tr><td>{@link #none()}</td><td>{@code d}</td><td>tests, single clients</td></tr>
 *   <tr><td>{@link #proportional(double) proportional(p)}</td><td>{@code [d(1-p), d(1+p)]}</td><td>seed 000 (±10 %), seed 003 (±25 %)</td></tr>
 *   <tr><td>{@link #full()}</td><td>{@code [0, d]}</td><td>most spread, may retry at once</td></tr>
 *   <tr><td>{@link #equal()}</td><td>{@code [d/2, d]}</td><td>spread with a guaranteed pause</td></tr>
 *   <tr><td>{@link #decorrelated()}</td><td>{@code [initial, 3 * previous]}</td><td>spread that grows from the last delay</td></tr>
 * </table>
 *
 * The {@link Backoff} then clamps the jittered delay to its cap and raises it to its floor.
 */
public final class Jitter {

    /** The jitter kinds. */
    public enum Kind {
        NONE, PROPORTIONAL, FULL, EQUAL, DECORRELATED
    }

    private static final Jitter NONE = new Jitter(Kind.NONE, 0);
    private static final Jitter FULL = new Jitter(Kind.FULL, 0);
    private static final Jitter EQUAL = new Jitter(Kind.EQUAL, 0);
    private static final Jitter DECORRELATED = new Jitter(Kind.DECORRELATED, 0);

    private final Kind kind;
    private final double factor;

    private Jitter(Kind kind, double factor) {
        this.kind = kind;
        this.factor = factor;
    }

    /** No randomness: the delay is exactly the computed one. */
    public static Jitter none() {
        return NONE;
    }

    /**
     * Uniformly within ±{@code factor} of the computed delay.
     *
     * @param factor between 0 and 1, e.g. 0.10 for ±10 %
     */
    public static Jitter proportional(double factor) {
        if (!(factor >= 0 && factor <= 1)) {
            throw new IllegalArgumentException("jitter factor must be between 0 and 1 (was " + factor + ")");
        }
        return new Jitter(Kind.PROPORTIONAL, factor);
    }

    /** Uniformly between zero and the computed delay ("full jitter"). */
    public static Jitter full() {
        return FULL;
    }

    /** Half the computed delay plus a uniform share of the other half ("equal jitter"). */
    public static Jitter equal() {
        return EQUAL;
    }

    /**
     * Uniformly between the initial delay and three times the previous delay ("decorrelated
     * jitter"): each delay depends on the last one rather than on the attempt number.
     */
    public static Jitter decorrelated() {
        return DECORRELATED;
    }

    public Kind kind() {
        return kind;
    }

    /** The ± factor of {@link #proportional(double)}; 0 for the other kinds. */
    public double factor() {
        return factor;
    }

    /**
     * Applies this jitter.
     *
     * @param computedNanos the un-jittered delay of this attempt (already capped)
     * @param previousNanos the delay actually used before the previous attempt, or the initial delay
     *     for the first retry
     * @param initialNanos the backoff's initial delay
     */
    long apply(long computedNanos, long previousNanos, long initialNanos, RandomGenerator random) {
        switch (kind) {
            case NONE:
                return computedNanos;
            case PROPORTIONAL: {
                double spread = computedNanos * factor;
                return saturate(computedNanos - spread + random.nextDouble() * 2 * spread);
            }
            case FULL:
                return saturate(random.nextDouble() * computedNanos);
            case EQUAL: {
                double half = computedNanos / 2.0;
                return saturate(half + random.nextDouble() * half);
            }
            case DECORRELATED: {
                double upper = Math.max((double) initialNanos, 3.0 * Math.max(previousNanos, initialNanos));
                return saturate(initialNanos + random.nextDouble() * (upper - initialNanos));
            }
            default:
                throw new AssertionError(kind);
        }
    }

    private static long saturate(double nanos) {
        if (nanos >= Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return nanos <= 0 ? 0 : (long) nanos;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Jitter that && kind == that.kind && factor == that.factor;
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Double.hashCode(factor);
    }

    @Override
    public String toString() {
        return kind == Kind.PROPORTIONAL
                ? String.format(Locale.ROOT, "proportional(±%.0f%%)", factor * 100)
                : kind.name().toLowerCase(Locale.ROOT);
    }
}
