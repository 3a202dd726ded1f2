package dev.endure.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long to wait before each retry: a pure value that turns a retry number (and the previous delay)
 * into a delay. The order of operations is fixed: compute (fixed or exponential), cap, jitter, cap
 * again (the cap is a hard maximum), then raise to the floor.
 *
 * <pre>{@code
 * // seed 000: 10 ms, 20, 40, 80, 160 ms, ±10 %
 * Backoff.exponential(Duration.ofMillis(10), 2.0).withCap(Duration.ofMillis(160)).withJitter(Jitter.proportional(0.10));
 * // seed 003: 2 min ×2 up to 60 min, ±25 %, never under 1 min
 * Backoff.exponential(Duration.ofMinutes(2), 2.0).withCap(Duration.ofMinutes(60))
 *        .withJitter(Jitter.proportional(0.25)).withFloor(Duration.ofMinutes(1));
 * }</pre>
 */
public final class Backoff {

    private static final long NO_CAP = Long.MAX_VALUE;

    private final long initialNanos;
    private final double multiplier;
    private final long capNanos;
    private final Jitter jitter;
    private final long floorNanos;

    private Backoff(long initialNanos, double multiplier, long capNanos, Jitter jitter, long floorNanos) {
        this.initialNanos = initialNanos;
        this.multiplier = multiplier;
        this.capNanos = capNanos;
        this.jitter = jitter;
        this.floorNanos = floorNanos;
    }

    /** The same delay before every retry. */
    public static Backoff fixed(Duration delay) {
        return new Backoff(nonNegative("delay", delay), 1.0, NO_CAP, Jitter.none(), 0);
    }

    /** Retry at once; for tests and for callers that pace retries themselves. */
    public static Backoff none() {
        return fixed(Duration.ZERO);
    }

    /**
     * {@code initial × multiplier^(retry-1)}: the first retry waits {@code initial}.
     *
     * @param multiplier at least 1
     */
    public static Backoff exponential(Duration initial, double multiplier) {
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be a finite number of at least 1 (was " + multiplier + ")");
        }
        return new Backoff(nonNegative("initial", initial), multiplier, NO_CAP, Jitter.none(), 0);
    }

    /** No delay ever exceeds {@code cap}, jitter included. */
    public Backoff withCap(Duration cap) {
        long nanos = nonNegative("cap", cap);
        if (nanos < initialNanos) {
            throw new IllegalArgumentException("cap (" + cap + ") must not be below the initial delay ("
                    + Duration.ofNanos(initialNanos) + ")");
        }
        if (nanos < floorNanos) {
            throw new IllegalArgumentException("cap (" + cap + ") must not be below the floor (" + Duration.ofNanos(floorNanos) + ")");
        }
        return new Backoff(initialNanos, multiplier, nanos, jitter, floorNanos);
    }

    /** Randomises each delay; see {@link Jitter} for the bounds of each kind. */
    public Backoff withJitter(Jitter jitter) {
        return new Backoff(initialNanos, multiplier, capNanos, Objects.requireNonNull(jitter, "jitter"), floorNanos);
    }

    /** No delay is ever shorter than {@code floor}; applied after jitter (seed 003's 1-minute floor). */
    public Backoff withFloor(Duration floor) {
        long nanos = nonNegative("floor", floor);
        if (capNanos != NO_CAP && nanos > capNanos) {
            throw new IllegalArgumentException("floor (" + floor + ") must not exceed the cap (" + Duration.ofNanos(capNanos) + ")");
        }
        return new Backoff(initialNanos, multiplier, capNanos, jitter, nanos);
    }

    public Duration initial() {
        return Duration.ofNanos(initialNanos);
    }

    public double multiplier() {
        return multiplier;
    }

    /** The cap, if one was set. */
    public java.util.Optional<Duration> cap() {
        return capNanos == NO_CAP ? java.util.Optional.empty() : java.util.Optional.of(Duration.ofNanos(capNanos));
    }

    public Jitter jitter() {
        return jitter;
    }

    public Duration floor() {
        return Duration.ofNanos(floorNanos);
    }

    /**
     * The un-jittered, capped delay before retry {@code retry} (1 for the first retry). Never
     * overflows: a huge exponent saturates at the cap (or at {@code Long.MAX_VALUE} nanoseconds).
     */
    public long computedNanos(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry number must be at least 1 (was " + retry + ")");
        }
        double raw = initialNanos * Math.pow(multiplier, retry - 1);
        long computed = raw >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) raw;
        return Math.min(computed, capNanos);
    }

    /**
     * The delay before retry {@code retry}.
     *
     * @param previousNanos the delay used before the previous retry (ignored for the first retry)
     */
    public long delayNanos(int retry, long previousNanos, RandomGenerator random) {
        long computed = computedNanos(retry);
        long previous = retry == 1 ? initialNanos : previousNanos;
        long jittered = jitter.apply(computed, previous, initialNanos, random);
        return Math.max(floorNanos, Math.min(jittered, capNanos));
    }

    /** {@link #delayNanos} as a {@link Duration}. */
    public Duration delay(int retry, Duration previous, RandomGenerator random) {
        return Duration.ofNanos(delayNanos(retry, previous == null ? 0 : previous.toNanos(), random));
    }

    private static long nonNegative(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative (was " + value + ")");
        }
        try {
            return value.toNanos();
        } catch (ArithmeticException tooLong) {
            throw new IllegalArgumentException(name + " is too long to count in nanoseconds (was " + value + ")");
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Backoff that
                && initialNanos == that.initialNanos
                && multiplier == that.multiplier
                && capNanos == that.capNanos
                && floorNanos == that.floorNanos
                && jitter.equals(that.jitter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(initialNanos, multiplier, capNanos, jitter, floorNanos);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(multiplier == 1.0 ? "fixed(" : "exponential(")
                .append(Duration.ofNanos(initialNanos));
        if (multiplier != 1.0) {
            text.append(" ×").append(multiplier);
        }
        if (capNanos != NO_CAP) {
            text.append(", cap ").append(Duration.ofNanos(capNanos));
        }
        text.append(", jitter ").append(jitter);
        if (floorNanos > 0) {
            text.append(", floor ").append(Duration.ofNanos(floorNanos));
        }
        return text.append(')').toString();
    }
}
