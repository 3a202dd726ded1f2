package dev.endure.server.api;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The API's door during a graceful shutdown: once closed, new requests are refused (503 with Retry-After)
 * while the ones already inside finish and get their answers, so that no client whose message was stored
 * goes without a reply.
 */
public final class RequestGate {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition empty = lock.newCondition();
    private int inFlight;
    private boolean closed;

    /** Lets a request in; false once the gate is closed. */
    public boolean enter() {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            inFlight++;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** A request that {@link #enter entered} has been answered. */
    public void leave() {
        lock.lock();
        try {
            if (--inFlight == 0) {
                empty.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    public int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Refuses new requests from now on and waits for those inside to be answered.
     *
     * @return true if none was left within {@code timeout}
     */
    public boolean closeAndAwait(Duration timeout) {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            closed = true;
            while (inFlight > 0) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = empty.awaitNanos(remaining);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return inFlight == 0;
        } finally {
            lock.unlock();
        }
    }
}
