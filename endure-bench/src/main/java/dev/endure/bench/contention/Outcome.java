package dev.endure.bench.contention;

import dev.endure.jdbc.CommitOutcomeUnknownException;
import dev.endure.jdbc.SqlFailure;
import dev.endure.jdbc.SqlStates;
import dev.endure.jdbc.example.UnitsException;
import dev.endure.retry.RetriesExhaustedException;
import java.sql.SQLException;
import java.util.Locale;

/**
 * What one operation came to, as the caller saw it: a success, a business refusal (the service said no, which is
 * correct behaviour, not a failure), or a failure with a reason.
 *
 * @param kind the outcome class
 * @param reason a short stable key for the failure-reason table, null for a success
 * @param serializationFailure true when a serialization failure or deadlock reached the caller
 */
record Outcome(Kind kind, String reason, boolean serializationFailure) {

    /** Outcome classes, in report order. */
    enum Kind {
        OK, REFUSED, EXHAUSTED, COMMIT_UNKNOWN, FAILED
    }

    static final Outcome OK = new Outcome(Kind.OK, null, false);

    static Outcome of(Throwable failure) {
        if (failure instanceof UnitsException refused) {
            return new Outcome(Kind.REFUSED, "refused: " + refused.reason().name().toLowerCase(Locale.ROOT).replace('_', ' '), false);
        }
        if (failure instanceof RetriesExhaustedException exhausted) {
            SqlFailure cause = SqlStates.classify(exhausted.getCause());
            return new Outcome(Kind.EXHAUSTED, "exhausted after " + exhausted.attempts() + (exhausted.attempts() == 1 ? " attempt: " : " attempts: ")
                    + cause.description() + sqlState(exhausted.getCause()), isSerialization(cause));
        }
        if (failure instanceof CommitOutcomeUnknownException) {
            return new Outcome(Kind.COMMIT_UNKNOWN, "commit outcome unknown", false);
        }
        SqlFailure kind = SqlStates.classify(failure);
        if (failure instanceof SQLException || kind != SqlFailure.NOT_TRANSIENT) {
            return new Outcome(Kind.FAILED, kind.description() + sqlState(failure), isSerialization(kind));
        }
        return new Outcome(Kind.FAILED, failure.getClass().getSimpleName(), false);
    }

    private static boolean isSerialization(SqlFailure kind) {
        return kind == SqlFailure.SERIALIZATION_FAILURE || kind == SqlFailure.DEADLOCK;
    }

    private static String sqlState(Throwable failure) {
        String state = SqlStates.sqlStateOf(failure);
        return state == null ? "" : " (" + state + ")";
    }
}
