package dev.endure.bench.contention;

import dev.endure.jdbc.TransactionRunner;
import dev.endure.retry.Backoff;
import dev.endure.retry.Jitter;
import dev.endure.retry.RetryPolicy;
import java.time.Duration;
import java.util.Locale;

/**
 * The retry policies the harness compares in one run. All but {@link #NO_RETRY} make the same number of attempts
 * (seed 000's five, or {@code --max-attempts}) and start from seed 000's 10 ms, capped at 160 ms, so the measured
 * differences come from the shape of the delays alone.
 */
enum PolicyChoice {
    /** Seed 000's policy, the library default: exponential 10 ms ×2, cap 160 ms, ±10 % jitter. */
    DEFAULT("default", "exponential 10 ms ×2, cap 160 ms, ±10 % jitter (seed 000, the library default)"),
    /** One attempt: every serialization failure reaches the caller (seed 001's V1). */
    NO_RETRY("no-retry", "one attempt, no retry"),
    /** The same 40 ms before every retry (close to the mean of seed 000's delays). */
    FIXED("fixed", "fixed 40 ms"),
    /** Seed 000's schedule without jitter: every loser of a conflict comes back at the same moment. */
    EXPONENTIAL("exponential", "exponential 10 ms ×2, cap 160 ms, no jitter"),
    /** Uniform in [0, exponential delay]. */
    FULL_JITTER("full-jitter", "exponential 10 ms ×2, cap 160 ms, full jitter"),
    /** Uniform in [10 ms, 3 × previous delay], capped at 160 ms. */
    DECORRELATED("decorrelated", "decorrelated jitter from 10 ms, cap 160 ms");

    private static final Duration INITIAL = Duration.ofMillis(10);
    private static final Duration CAP = Duration.ofMillis(160);

    private final String label;
    private final String description;

    PolicyChoice(String label, String description) {
        this.label = label;
        this.description = description;
    }

    String label() {
        return label;
    }

    String description() {
        return description;
    }

    /** The policy, built on {@link TransactionRunner#policyBuilder()} so that it classifies by SQLState. */
    RetryPolicy<Object> policy(int maxAttempts) {
        RetryPolicy.Builder<Object> builder = TransactionRunner.policyBuilder().name(label).maxAttempts(maxAttempts);
        Backoff exponential = Backoff.exponential(INITIAL, 2.0).withCap(CAP);
        return switch (this) {
            case DEFAULT -> builder.backoff(TransactionRunner.DEFAULT_BACKOFF).build();
            case NO_RETRY -> builder.maxAttempts(1).build();
            case FIXED -> builder.backoff(Backoff.fixed(Duration.ofMillis(40))).build();
            case EXPONENTIAL -> builder.backoff(exponential).build();
            case FULL_JITTER -> builder.backoff(exponential.withJitter(Jitter.full())).build();
            case DECORRELATED -> builder.backoff(Backoff.fixed(INITIAL).withCap(CAP).withJitter(Jitter.decorrelated())).build();
        };
    }

    static PolicyChoice named(String name) {
        for (PolicyChoice choice : values()) {
            if (choice.label.equals(name.toLowerCase(Locale.ROOT))) {
                return choice;
            }
        }
        throw new IllegalArgumentException("unknown policy '" + name + "' in --policies; choose from "
                + "default, no-retry, fixed, exponential, full-jitter, decorrelated");
    }
}
