package dev.endure;

import java.time.Instant;

/**
 * The source of time for every Endure decision. Production code uses {@link #system()}; tests use a
 * {@link VirtualTime} so that a ten-hour schedule runs in milliseconds and no test sleeps.
 *
 * <p>{@link #nanoTime()} is monotonic and measures durations (deadlines, elapsed time);
 * {@link #instant()} is wall-clock time, needed where the outside world speaks in dates
 * (an HTTP-date {@code Retry-After}, a persisted "open until").
 */
public interface Clock {

    /** Monotonic time in nanoseconds; only differences between two readings mean anything. */
    long nanoTime();

    /** The current wall-clock instant. */
    Instant instant();

    /** The JVM's clocks: {@link System#nanoTime()} and {@link Instant#now()}. */
    static Clock system() {
        return SystemTime.INSTANCE;
    }
}
