package dev.endure.retry;

import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * An operation that takes its per-call state as an argument, for a caller that keeps one function in a
 * field and calls {@link Retrier#execute(RetryFunction, Object)} with a new argument each time: nothing is
 * allocated per call, where a lambda capturing the state would be unless the JIT removes it (it stops
 * doing so once the call path is a few layers deep, as a {@link dev.endure.pipeline.Pipeline}'s is).
 *
 * <pre>{@code
 * private final RetryFunction<String, Invoice, IOException> fetch = (id, context) -> billing.fetch(id);
 * Invoice invoice = retrier.execute(fetch, id);
 * }</pre>
 *
 * @param <A> the per-call argument
 * @param <T> the result
 * @param <E> the checked exception it may throw
 */
@FunctionalInterface
public interface RetryFunction<A, T, E extends Exception> {

    T run(A argument, RetryContext context) throws E;

    /** Calls the argument, a {@link Supplier}. */
    @SuppressWarnings("unchecked")
    static <T> RetryFunction<Supplier<? extends T>, T, RuntimeException> supplier() {
        return (RetryFunction<Supplier<? extends T>, T, RuntimeException>) (RetryFunction<?, ?, ?>) RetryFunctionAdapters.SUPPLIER;
    }

    /** Calls the argument, a {@link Callable}. */
    @SuppressWarnings("unchecked")
    static <T> RetryFunction<Callable<? extends T>, T, Exception> callable() {
        return (RetryFunction<Callable<? extends T>, T, Exception>) (RetryFunction<?, ?, ?>) RetryFunctionAdapters.CALLABLE;
    }

    /** Runs the argument, a {@link RetryOperation}, with the context. */
    @SuppressWarnings("unchecked")
    static <T, E extends Exception> RetryFunction<RetryOperation<? extends T, E>, T, E> operation() {
        return (RetryFunction<RetryOperation<? extends T, E>, T, E>) (RetryFunction<?, ?, ?>) RetryFunctionAdapters.OPERATION;
    }
}
