package dev.endure.retry;

/**
 * A shared permission to retry, consulted before every retry (a retry budget is one). A
 * {@link Retrier} calls {@link #onCall()} once per call and {@link #tryAcquireRetry()} before each
 * retry; when that answers false the retry is not made and the original outcome reaches the caller.
 */
public interface RetryGate {

    /** A call started (a budget deposits here). */
    void onCall();

    /** Asks for one retry; false refuses it. Must not block. */
    boolean tryAcquireRetry();

    /** Never refuses. */
    static RetryGate unlimited() {
        return Unlimited.INSTANCE;
    }

    /** The gate that always says yes. */
    enum Unlimited implements RetryGate {
        INSTANCE;

        @Override
        public void onCall() {}

        @Override
        public boolean tryAcquireRetry() {
            return true;
        }
    }
}
