package dev.endure.retry;

/**
 * A synchronous operation that may throw a checked exception and can see its {@link RetryContext}.
 *
 * @param <T> the result
 * @param <E> the checked exception it may throw
 */
@FunctionalInterface
public interface RetryOperation<T, E extends Exception> {
    T run(RetryContext context) throws E;
}
