package dev.endure.retry;

import dev.endure.Verdict;
import java.util.Optional;

/** What an operation can know about the retry it runs in. */
public interface RetryContext {

    /** The name of the retry policy. */
    String policyName();

    /** This attempt's number, 1 for the first. */
    int attempt();

    /** True from the second attempt on. */
    default boolean isRetry() {
        return attempt() > 1;
    }

    /** What the previous attempt threw; empty on the first attempt or if it returned a result. */
    Optional<Throwable> previousFailure();

    /** How the previous attempt was classified; empty on the first attempt. */
    Optional<Verdict> previousVerdict();
}
