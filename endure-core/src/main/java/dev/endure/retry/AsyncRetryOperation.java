package dev.endure.retry;

import java.util.concurrent.CompletionStage;

/** An asynchronous operation that can see its {@link RetryContext}. */
@FunctionalInterface
public interface AsyncRetryOperation<T> {
    CompletionStage<T> start(RetryContext context);
}
