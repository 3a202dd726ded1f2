package dev.endure.pipeline;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Interrupts a synchronous attempt that runs past its timeout, and makes sure the interrupt never leaks
 * into whatever the thread does after the attempt: {@link #finish()} waits until a started interrupt has
 * been delivered, then clears it.
 */
final class AttemptTimer implements Runnable {

    private static final int RUNNING = 0;
    private static final int FINISHED = 1;
    private static final int INTERRUPTING = 2;
    private static final int INTERRUPTED = 3;

    private final Thread thread;
    private final AtomicInteger phase = new AtomicInteger(RUNNING);

    AttemptTimer(Thread thread) {
        this.thread = thread;
    }

    /** Fires on the scheduler: interrupts the attempt unless it already finished. */
    @Override
    public void run() {
        if (phase.compareAndSet(RUNNING, INTERRUPTING)) {
            thread.interrupt();
            phase.set(INTERRUPTED);
        }
    }

    /**
     * Called by the attempt's own thread once the call returned.
     *
     * @return true if the timeout fired first (the interrupt it sent has been cleared)
     */
    boolean finish() {
        if (phase.compareAndSet(RUNNING, FINISHED)) {
            return false;
        }
        while (phase.get() != INTERRUPTED) {
            Thread.onSpinWait(); // the timer is between its CAS and interrupt(): a few instructions
        }
        Thread.interrupted();
        return true;
    }
}
