package dev.endure.bench.contention;

import dev.endure.jdbc.SqlFailure;
import dev.endure.jdbc.SqlStates;
import dev.endure.retry.RetryEvent;
import dev.endure.retry.RetryListener;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Collects one cell's measurements from many client threads without locks: each client records into its own
 * {@link ClientLog}; the retry listener (called on the client's thread for synchronous calls) tells the client how
 * many attempts its operation made.
 */
final class Recorder implements RetryListener {

    private final int maxAttempts;
    private final ThreadLocal<int[]> lastAttempts = ThreadLocal.withInitial(() -> new int[1]);
    private final LongAdder serializationFailedAttempts = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final java.util.Set<String> seenMessages = ConcurrentHashMap.newKeySet();
    private final Map<Thread, ClientLog> logs = new ConcurrentHashMap<>();

    private final boolean printConflicts;

    /**
     * @param printConflicts print each distinct serialization failure message once (PostgreSQL's reason codes tell
     *     real row conflicts from predicate-lock pivots)
     */
    Recorder(int maxAttempts, boolean printConflicts) {
        this.maxAttempts = maxAttempts;
        this.printConflicts = printConflicts;
    }

    @Override
    public void onEvent(RetryEvent event) {
        if (event instanceof RetryEvent.AttemptFailed failed) {
            SqlFailure kind = SqlStates.classify(failed.failure());
            if (kind == SqlFailure.SERIALIZATION_FAILURE || kind == SqlFailure.DEADLOCK) {
                serializationFailedAttempts.increment();
                if (printConflicts && seenMessages.add(failed.failure().getMessage().replaceAll("\\d+", "N"))) {
                    System.err.println(System.lineSeparator() + "[conflict] " + failed.failure().getMessage());
                }
            }
        } else if (event instanceof RetryEvent.Succeeded succeeded) {
            lastAttempts.get()[0] = succeeded.attempts();
        } else if (event instanceof RetryEvent.FailedPermanently failed) {
            lastAttempts.get()[0] = failed.attempts();
        } else if (event instanceof RetryEvent.Exhausted exhausted) {
            lastAttempts.get()[0] = exhausted.attempts();
        }
    }

    /** The calling client's log (one per thread). */
    ClientLog log() {
        return logs.computeIfAbsent(Thread.currentThread(), thread -> new ClientLog(maxAttempts));
    }

    /** Clears the attempt count before an operation. */
    void beforeOperation() {
        lastAttempts.get()[0] = 0;
    }

    int attemptsOfLastOperation() {
        return lastAttempts.get()[0];
    }

    long serializationFailedAttempts() {
        return serializationFailedAttempts.sum();
    }

    /** Operations finished so far, readable while the clients run (for the progress bar). */
    long completed() {
        return completed.sum();
    }

    void recordCompletion() {
        completed.increment();
    }

    /** Merged measurements; call after every client stopped. */
    Merged merge() {
        long total = 0;
        for (ClientLog log : logs.values()) {
            total += log.operations;
        }
        long[] latencies = new long[Math.toIntExact(total)];
        int at = 0;
        Map<Outcome.Kind, Long> outcomes = new EnumMap<>(Outcome.Kind.class);
        Map<String, Long> reasons = new TreeMap<>();
        long[] histogram = new long[maxAttempts];
        long toCaller = 0;
        for (ClientLog log : logs.values()) {
            System.arraycopy(log.latencies, 0, latencies, at, log.operations);
            at += log.operations;
            log.outcomes.forEach((kind, count) -> outcomes.merge(kind, count, Long::sum));
            log.reasons.forEach((reason, count) -> reasons.merge(reason, count, Long::sum));
            for (int i = 0; i < histogram.length; i++) {
                histogram[i] += log.attemptsHistogram[i];
            }
            toCaller += log.serializationFailuresToCaller;
        }
        Arrays.sort(latencies, 0, at);
        return new Merged(Arrays.copyOf(latencies, at), outcomes, reasons, histogram, toCaller);
    }

    /** All clients' measurements together; latencies sorted, in nanoseconds. */
    record Merged(long[] sortedLatencies, Map<Outcome.Kind, Long> outcomes, Map<String, Long> reasons, long[] attemptsHistogram,
            long serializationFailuresToCaller) {

        double percentileMillis(double percentile) {
            if (sortedLatencies.length == 0) {
                return 0;
            }
            int index = (int) Math.ceil(percentile / 100.0 * sortedLatencies.length) - 1;
            return sortedLatencies[Math.max(0, Math.min(index, sortedLatencies.length - 1))] / 1e6;
        }
    }

    /** One client's measurements; touched only by its own thread until {@link #merge}. */
    static final class ClientLog {
        private long[] latencies = new long[1024];
        private int operations;
        private final Map<Outcome.Kind, Long> outcomes = new EnumMap<>(Outcome.Kind.class);
        private final Map<String, Long> reasons = new TreeMap<>();
        private final long[] attemptsHistogram;
        private long serializationFailuresToCaller;

        ClientLog(int maxAttempts) {
            attemptsHistogram = new long[maxAttempts];
        }

        void record(Outcome outcome, long latencyNanos, int attempts) {
            if (operations == latencies.length) {
                latencies = Arrays.copyOf(latencies, latencies.length * 2);
            }
            latencies[operations++] = latencyNanos;
            outcomes.merge(outcome.kind(), 1L, Long::sum);
            if (outcome.reason() != null) {
                reasons.merge(outcome.reason(), 1L, Long::sum);
            }
            if (attempts >= 1) {
                attemptsHistogram[Math.min(attempts, attemptsHistogram.length) - 1]++;
            }
            if (outcome.serializationFailure()) {
                serializationFailuresToCaller++;
            }
        }
    }
}
