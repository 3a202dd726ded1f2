package dev.endure.delivery.internal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether one kind of trouble (the store refusing writes, the claim loop failing) is going on, so that it
 * is reported once when it starts and once when it ends, however many times it repeats in between.
 */
public final class TroubleState {

    private record Trouble(long sinceNanos, String cause, int repeats) {}

    private final AtomicReference<Trouble> current = new AtomicReference<>();

    /**
     * Notes one failure.
     *
     * @return how many failures in a row this makes (1 when the trouble just started)
     */
    public int failed(String cause, long nowNanos) {
        while (true) {
            Trouble before = current.get();
            Trouble after = before == null ? new Trouble(nowNanos, cause, 1) : new Trouble(before.sinceNanos(), cause, before.repeats() + 1);
            if (current.compareAndSet(before, after)) {
                return after.repeats();
            }
        }
    }

    /**
     * Notes a success.
     *
     * @return how long the trouble lasted if this success ended it, else null
     */
    public Ended succeeded(long nowNanos) {
        Trouble before = current.getAndSet(null);
        return before == null ? null : new Ended(Duration.ofNanos(Math.max(0, nowNanos - before.sinceNanos())), before.repeats());
    }

    /** Failures in a row so far (0 when healthy). */
    public int repeats() {
        Trouble trouble = current.get();
        return trouble == null ? 0 : trouble.repeats();
    }

    /** The latest cause, or null when healthy. */
    public String cause() {
        Trouble trouble = current.get();
        return trouble == null ? null : trouble.cause();
    }

    /** A trouble that ended: how long it lasted and how many failures it counted. */
    public record Ended(Duration lasted, int repeats) {}
}
