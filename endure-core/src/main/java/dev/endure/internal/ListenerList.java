package dev.endure.internal;

import dev.endure.Cancellable;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * The listeners of a retrier or breaker: a copy-on-write array, so emitting reads one volatile field and
 * allocates nothing, while adding and removing are rare. Not public API.
 *
 * @param <L> the listener type
 */
public final class ListenerList<L> {

    private final AtomicReference<L[]> listeners;
    private final IntFunction<L[]> newArray;

    public ListenerList(IntFunction<L[]> newArray, L[] initial) {
        this.newArray = Objects.requireNonNull(newArray, "newArray");
        this.listeners = new AtomicReference<>(initial.clone());
    }

    /** The current listeners; never modify the array. */
    public L[] get() {
        return listeners.get();
    }

    public boolean isEmpty() {
        return listeners.get().length == 0;
    }

    /** Adds {@code listener}; the handle removes it again (and says whether it was still there). */
    public Cancellable add(L listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.updateAndGet(current -> with(current, listener));
        return () -> {
            L[] before = listeners.getAndUpdate(current -> without(current, listener));
            return Arrays.asList(before).contains(listener);
        };
    }

    /** {@code current} and {@code listener} after it: for builders that collect listeners before building. */
    public static <L> L[] with(L[] current, L listener) {
        L[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = Objects.requireNonNull(listener, "listener");
        return next;
    }

    private L[] without(L[] current, L listener) {
        int index = Arrays.asList(current).indexOf(listener);
        if (index < 0) {
            return current;
        }
        L[] next = newArray.apply(current.length - 1);
        System.arraycopy(current, 0, next, 0, index);
        System.arraycopy(current, index + 1, next, index, current.length - index - 1);
        return next;
    }
}
