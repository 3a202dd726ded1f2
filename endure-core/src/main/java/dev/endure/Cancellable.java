package dev.endure;

/** A handle to something scheduled that can still be called off. */
@FunctionalInterface
public interface Cancellable {

    /**
     * Calls the scheduled task off if it has not started yet.
     *
     * @return true if this call prevented the task from running
     */
    boolean cancel();
}
