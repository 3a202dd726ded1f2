package dev.endure.jdbc;

import dev.endure.Classifier;
import dev.endure.Verdict;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Reads what a JDBC failure means for a transaction from the SQLStates in its whole chain: every
 * {@link Throwable#getCause() cause} and every {@link SQLException#getNextException() next exception}, because
 * pools, ORMs and batch updates bury the driver's exception (PostgreSQL's batch failures put the real one in
 * {@code getNextException()}). Vendor error codes are read only together with a SQLState, never alone.
 *
 * <table>
 *   <caption>Default classification (DESIGN.md, "Classification tables")</caption>
 *   <tr><th>SQLState (and code)</th><th>from</th><th>{@link SqlFailure}</th><th>re-run?</th></tr>
 *   <tr><td>40001</td><td>PostgreSQL, H2, MariaDB 1213</td><td>SERIALIZATION_FAILURE</td><td>yes</td></tr>
 *   <tr><td>40P01</td><td>PostgreSQL</td><td>DEADLOCK</td><td>yes</td></tr>
 *   <tr><td>HYT00 with 50200</td><td>H2</td><td>LOCK_TIMEOUT</td><td>yes</td></tr>
 *   <tr><td>90131</td><td>H2</td><td>CONCURRENT_UPDATE</td><td>yes</td></tr>
 *   <tr><td>HY000/41000 with 1205</td><td>MariaDB, MySQL</td><td>LOCK_TIMEOUT_STATEMENT_ONLY, or LOCK_TIMEOUT once a
 *       {@link TransactionRunner} learnt the server rolled back the whole transaction ({@link LockWaitTimeoutException})</td>
 *       <td>only if the whole transaction was rolled back</td></tr>
 *   <tr><td>08xxx, 57P01-57P03</td><td>all</td><td>CONNECTION_FAILURE</td><td>yes, before COMMIT</td></tr>
 *   <tr><td>{@link CommitOutcomeUnknownException} (08007)</td><td>the runner</td><td>COMMIT_OUTCOME_UNKNOWN</td><td>never</td></tr>
 * </table>
 */
public final class SqlStates {

    /** The SQLState of a serialization failure (SQL standard). */
    public static final String SERIALIZATION_FAILURE = "40001";
    /** PostgreSQL's deadlock_detected. */
    public static final String POSTGRES_DEADLOCK = "40P01";
    /** MariaDB's and MySQL's ER_LOCK_WAIT_TIMEOUT vendor code. */
    public static final int MARIADB_LOCK_WAIT_TIMEOUT = 1205;
    /** H2's LOCK_TIMEOUT_1 vendor code (its SQLState is HYT00). */
    public static final int H2_LOCK_TIMEOUT = 50200;
    /** H2's CONCURRENT_UPDATE_1, which H2 also uses as the SQLState. */
    public static final String H2_CONCURRENT_UPDATE = "90131";

    private static final int MAX_CHAIN = 64;
    private static final int MAX_MESSAGE = 200;

    private SqlStates() {}

    /** What {@code failure} means for a transaction; {@link SqlFailure#NOT_TRANSIENT} for null or anything unknown. */
    public static SqlFailure classify(Throwable failure) {
        return find(failure).kind;
    }

    /** True when re-running the whole transaction on a fresh one may succeed. */
    public static boolean isRetryable(Throwable failure) {
        return classify(failure).isRetryable();
    }

    /** SQLState 40001 anywhere in the chain (PostgreSQL and H2 serialization failures, MariaDB deadlock victims). */
    public static boolean isSerializationFailure(Throwable failure) {
        return classify(failure) == SqlFailure.SERIALIZATION_FAILURE;
    }

    /** SQLState 40P01 anywhere in the chain (a PostgreSQL deadlock). */
    public static boolean isDeadlock(Throwable failure) {
        return classify(failure) == SqlFailure.DEADLOCK;
    }

    /** SQLState class 08 (or PostgreSQL 57P01-57P03) anywhere in the chain: the connection is gone. */
    public static boolean isConnectionFailure(Throwable failure) {
        return classify(failure) == SqlFailure.CONNECTION_FAILURE;
    }

    /** A MariaDB/MySQL 1205 (lock wait timeout) anywhere in the chain, whatever was rolled back. */
    static SQLException mariaDbLockWaitTimeout(Throwable failure) {
        Match match = find(failure);
        return match.kind == SqlFailure.LOCK_TIMEOUT_STATEMENT_ONLY && !(match.exception instanceof LockWaitTimeoutException)
                ? match.exception : null;
    }

    /**
     * The first SQLState found in the chain that {@link #classify} acted on, else the first SQLState at all, else
     * null: what an error report or a metric should show.
     */
    public static String sqlStateOf(Throwable failure) {
        Match match = find(failure);
        if (match.exception != null) {
            return match.exception.getSQLState();
        }
        for (Throwable node : chain(failure)) {
            if (node instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    /**
     * "SQLState 40001 (serialization failure): could not serialize access due to concurrent update": the
     * classification and the first line of the driver's message, for errors and logs.
     */
    public static String describe(Throwable failure) {
        Match match = find(failure);
        if (match.exception == null) {
            return failure == null ? "no failure" : failure.getClass().getName() + ": " + firstLine(failure.getMessage());
        }
        SQLException sql = match.exception;
        StringBuilder text = new StringBuilder("SQLState ").append(sql.getSQLState());
        if (sql.getErrorCode() != 0) {
            text.append(" (code ").append(sql.getErrorCode()).append(", ").append(match.kind.description()).append(')');
        } else {
            text.append(" (").append(match.kind.description()).append(')');
        }
        return text.append(": ").append(firstLine(sql.getMessage())).toString();
    }

    /**
     * A classifier for {@link dev.endure.retry.RetryPolicy}: retries the failures {@link #classify} calls
     * retryable (with {@link #describe} as the reason) and fails fast on everything else, domain exceptions
     * thrown by the callback included. Every result is a success.
     */
    public static <T> Classifier<T> classifier() {
        return (result, failure) -> {
            if (failure == null) {
                return Verdict.success();
            }
            Match match = find(failure);
            if (match.kind.isRetryable()) {
                return Verdict.retry(describe(failure));
            }
            return match.exception == null ? Verdict.fail() : Verdict.fail(describe(failure));
        };
    }

    private static Match find(Throwable failure) {
        Match first = Match.NONE;
        for (Throwable node : chain(failure)) {
            SqlFailure kind = kindOf(node);
            if (kind == SqlFailure.COMMIT_OUTCOME_UNKNOWN) {
                // Wins over anything else in the chain (its cause is a connection failure, which alone is retryable).
                return new Match(kind, (SQLException) node);
            }
            if (kind != null && first == Match.NONE) {
                first = new Match(kind, (SQLException) node);
            }
        }
        return first;
    }

    private static SqlFailure kindOf(Throwable node) {
        if (node instanceof CommitOutcomeUnknownException) {
            return SqlFailure.COMMIT_OUTCOME_UNKNOWN;
        }
        if (node instanceof LockWaitTimeoutException timeout) {
            return timeout.wholeTransactionRolledBack() ? SqlFailure.LOCK_TIMEOUT : SqlFailure.LOCK_TIMEOUT_STATEMENT_ONLY;
        }
        if (!(node instanceof SQLException sql) || sql.getSQLState() == null) {
            return null;
        }
        String state = sql.getSQLState();
        int code = sql.getErrorCode();
        if (code == MARIADB_LOCK_WAIT_TIMEOUT && (state.equals("HY000") || state.equals("41000"))) {
            // Same error whether the server rolled back the statement or the transaction; only the runner can ask.
            return SqlFailure.LOCK_TIMEOUT_STATEMENT_ONLY;
        }
        switch (state) {
            case SERIALIZATION_FAILURE:
                return SqlFailure.SERIALIZATION_FAILURE;
            case POSTGRES_DEADLOCK:
                return SqlFailure.DEADLOCK;
            case H2_CONCURRENT_UPDATE:
                return SqlFailure.CONCURRENT_UPDATE;
            case "HYT00":
                return code == H2_LOCK_TIMEOUT ? SqlFailure.LOCK_TIMEOUT : null;
            case "57P01": // admin_shutdown: the backend was terminated
            case "57P02": // crash_shutdown
            case "57P03": // cannot_connect_now: starting up or in recovery
                return SqlFailure.CONNECTION_FAILURE;
            default:
                return state.startsWith("08") ? SqlFailure.CONNECTION_FAILURE : null;
        }
    }

    /** Every throwable reachable through causes and next exceptions, each once, in depth-first order, at most 64. */
    private static Iterable<Throwable> chain(Throwable failure) {
        if (failure == null) {
            return java.util.List.of();
        }
        java.util.List<Throwable> nodes = new java.util.ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> pending = new ArrayDeque<>();
        pending.push(failure);
        while (!pending.isEmpty() && nodes.size() < MAX_CHAIN) {
            Throwable node = pending.pop();
            if (!seen.add(node)) {
                continue;
            }
            nodes.add(node);
            // Push the next exception first so that the cause, usually closer to the driver's own error, is seen first.
            if (node instanceof SQLException sql && sql.getNextException() != null) {
                pending.push(sql.getNextException());
            }
            if (node.getCause() != null) {
                pending.push(node.getCause());
            }
        }
        return nodes;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        String line = message.strip();
        int newline = line.indexOf('\n');
        if (newline >= 0) {
            line = line.substring(0, newline).strip();
        }
        return line.length() > MAX_MESSAGE ? line.substring(0, MAX_MESSAGE) + "…" : line;
    }

    private record Match(SqlFailure kind, SQLException exception) {
        static final Match NONE = new Match(SqlFailure.NOT_TRANSIENT, null);
    }
}
