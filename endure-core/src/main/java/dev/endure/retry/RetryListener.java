package dev.endure.retry;

/**
 * Receives {@link RetryEvent}s on the thread that produced them. Must be quick; an exception it throws
 * is logged and counted, and never breaks the call.
 */
@FunctionalInterface
public interface RetryListener {
    void onEvent(RetryEvent event);
}
