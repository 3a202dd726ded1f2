package dev.endure.retry;

/**
 * Attempts a transport made on its own inside one of ours, attached to that attempt's failure as a
 * suppressed exception: the JDK's {@code HttpClient}, for one, silently sends a GET or HEAD a second time
 * when the connection closes before any response. The retry loop counts each as an attempt (stats, events,
 * max attempts) and charges the retry gate for it, so what the downstream saw equals what Endure reports.
 * Stackless; never thrown.
 */
public final class HiddenAttempts extends Exception {

    private final int count;

    private HiddenAttempts(int count, String how) {
        super(how, null, false, false);
        this.count = count;
    }

    /**
     * Marks {@code failure} as ending {@code count} more attempts than the one that threw it.
     *
     * @param how what made them, for events and stack traces
     * @return {@code failure}, for throwing
     */
    public static <X extends Throwable> X attach(X failure, int count, String how) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1 (was " + count + ")");
        }
        failure.addSuppressed(new HiddenAttempts(count, how));
        return failure;
    }

    /** The hidden attempts {@code failure} carries (0 if none), and what made them. */
    static HiddenAttempts in(Throwable failure) {
        if (failure != null) {
            for (Throwable suppressed : failure.getSuppressed()) {
                if (suppressed instanceof HiddenAttempts hidden) {
                    return hidden;
                }
            }
        }
        return null;
    }

    public int count() {
        return count;
    }
}
