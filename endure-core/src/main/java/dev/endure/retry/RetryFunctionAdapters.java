package dev.endure.retry;

import java.util.concurrent.Callable;
import java.util.function.Supplier;

/** One instance of each of {@link RetryFunction}'s adapters, none capturing anything. */
final class RetryFunctionAdapters {

    static final RetryFunction<Supplier<?>, Object, RuntimeException> SUPPLIER = (supplier, context) -> supplier.get();
    static final RetryFunction<Callable<?>, Object, Exception> CALLABLE = (callable, context) -> callable.call();
    static final RetryFunction<RetryOperation<?, Exception>, Object, Exception> OPERATION = (operation, context) -> operation.run(context);

    private RetryFunctionAdapters() {}
}
