package dev.endure.retry;

/** Why a retry loop was stopped from outside. */
public enum AbortReason {
    /** The waiting thread was interrupted. */
    INTERRUPTED,
    /** The caller cancelled the asynchronous result. */
    CANCELLED
}
