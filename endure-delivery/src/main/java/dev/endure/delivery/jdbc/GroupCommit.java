package dev.endure.delivery.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Group commit for the delivery store's writes. Callers that arrive while a write is under way queue up; when
 * it ends, one of them writes the whole queue in one transaction and wakes the others. Each caller still gets
 * its own result, synchronously; alone, a caller writes at once. If a group's write fails, each of its items is
 * written alone, so one bad item fails only its own caller. Under load this turns N transactions into one.
 *
 * @param <I> one caller's item
 * @param <R> its result
 */
final class GroupCommit<I, R> {

    private static final class Pending<I, R> {
        final I item;
        /** Signalled when this item is written, or when it heads the queue and the writer before it is done. */
        final Condition woken;
        boolean done;
        R result;
        RuntimeException failure;

        Pending(I item, Condition woken) {
            this.item = item;
            this.woken = woken;
        }
    }

    private final Function<List<I>, List<R>> writeBatch;
    private final Function<I, String> describe;
    private final ReentrantLock lock = new ReentrantLock();
    private List<Pending<I, R>> queue = new ArrayList<>();
    private boolean writing;

    /**
     * @param writeBatch writes items in one transaction; their results in the same order
     * @param describe names an item in the error that wraps a non-runtime failure
     */
    GroupCommit(Function<List<I>, List<R>> writeBatch, Function<I, String> describe) {
        this.writeBatch = writeBatch;
        this.describe = describe;
    }

    /** Writes {@code item} with whatever else is waiting; returns its result or throws its failure. */
    R submit(I item) {
        Pending<I, R> mine = new Pending<>(item, lock.newCondition());
        List<Pending<I, R>> batch = null;
        lock.lock();
        try {
            queue.add(mine);
            while (!mine.done) {
                if (!writing) {
                    writing = true;
                    batch = queue;
                    queue = new ArrayList<>();
                    break;
                }
                mine.woken.awaitUninterruptibly(); // bounded by the write under way
            }
        } finally {
            lock.unlock();
        }
        if (batch != null) {
            try {
                write(batch);
            } finally {
                lock.lock();
                try {
                    writing = false;
                    // Wake only who needs it: the items just written, and the head of the queue to write the next group
                    // (waking every waiter on each write cost a context switch per waiter per write under load).
                    for (Pending<I, R> written : batch) {
                        written.woken.signal();
                    }
                    if (!queue.isEmpty()) {
                        queue.get(0).woken.signal();
                    }
                } finally {
                    lock.unlock();
                }
            }
        }
        if (mine.failure != null) {
            throw mine.failure;
        }
        return mine.result;
    }

    /** Items waiting for the write under way to end (for tests). */
    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    private void write(List<Pending<I, R>> batch) {
        try {
            apply(batch, writeBatch.apply(batch.stream().map(p -> p.item).toList()));
        } catch (RuntimeException | Error failure) {
            if (batch.size() == 1) {
                settle(batch.get(0), failure);
                return;
            }
            // Whatever failed, it must not fail the others: write each alone.
            for (Pending<I, R> pending : batch) {
                try {
                    apply(List.of(pending), writeBatch.apply(List.of(pending.item)));
                } catch (RuntimeException | Error alone) {
                    settle(pending, alone);
                }
            }
        }
    }

    private static <I, R> void apply(List<Pending<I, R>> batch, List<R> results) {
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result = results.get(i);
            batch.get(i).done = true;
        }
    }

    private void settle(Pending<I, R> pending, Throwable failure) {
        pending.failure = failure instanceof RuntimeException runtime ? runtime
                : new JdbcStoreException(describe.apply(pending.item) + " failed: " + failure, failure);
        pending.done = true;
    }
}
