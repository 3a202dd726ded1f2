package dev.endure.jdbc;

import dev.endure.Verdict;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitExceededException;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.endure.retry.Backoff;
import dev.endure.retry.Jitter;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryContext;
import dev.endure.retry.RetryPolicy;
import dev.endure.retry.RetryStats;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Runs a callback in a transaction at a chosen isolation level (SERIALIZABLE by default), commits, and when the
 * transaction fails for a transient reason ({@link SqlStates}) rolls back and re-runs the <em>whole</em> callback,
 * reads included, on a fresh transaction on a freshly borrowed connection, by a {@link RetryPolicy}.
 *
 * <pre>{@code
 * TransactionRunner transactions = TransactionRunner.builder(dataSource).build(); // seed 000's defaults
 * caller.requireRole(Role.SCHEDULER);               // fail-fast checks: once, before the retried part
 * long id = transactions.inTransaction(connection -> reserve(connection, authorizationId, units));
 * }</pre>
 *
 * <p>Rules, each for a failure seen in production:
 * <ul>
 *   <li>Each attempt borrows its own connection and gives it back (auto-commit and isolation restored) before
 *       the backoff, so a waiting retry holds no connection and a broken connection is never reused.
 *   <li>A connection failure <em>during</em> COMMIT raises {@link CommitOutcomeUnknownException} and is not
 *       re-run, since the transaction may have committed; {@link #inIdempotentTransaction} re-runs it instead.
 *   <li>A MariaDB/MySQL lock wait timeout is re-run only when the server rolled back the whole transaction
 *       ({@link LockWaitTimeoutException}).
 *   <li>Anything the callback throws that is not a transient SQL failure (a domain exception, a constraint
 *       violation) fails at once, on the attempt it happened, unchanged.
 * </ul>
 * When attempts run out the caller gets {@link dev.endure.retry.RetriesExhaustedException} with the last
 * failure as its cause. Thread-safe; share one per data source and policy.
 *
 * <p><b>Concurrency limit.</b> Under SERIALIZABLE, more transactions at once on the same rows mean more of them
 * fail and re-run: past a few, goodput <em>falls</em> as clients are added. With {@link Builder#concurrencyLimit}
 * (for most uses {@link Builder#adaptiveConcurrencyLimit()}) each attempt first takes a slot, then borrows its
 * connection; a serialization failure or deadlock tells an adaptive limit to shrink, rising latency stops it
 * growing, so goodput holds at any number of callers without sizing the pool by hand (BENCHMARKS.md, the
 * contention curve). A caller waits for a slot up to the limit's max wait; after that the
 * {@link ConcurrencyLimitExceededException} reaches it unchanged, not re-run: it already waited. The last attempt
 * of a transaction that conflicted on every attempt before it runs alone under the limit, so that it cannot
 * conflict once more: with a limit, a serialization failure reaches the caller only if the transaction also
 * conflicts with work outside the limit.
 */
public final class TransactionRunner {

    /** Seed 000: five attempts in all. */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    /** Seed 000: 10 ms, then ×2 (20, 40, 80 ms), never more than 160 ms, ±10 % jitter. */
    public static final Backoff DEFAULT_BACKOFF = Backoff.exponential(Duration.ofMillis(10), 2.0)
            .withCap(Duration.ofMillis(160))
            .withJitter(Jitter.proportional(0.10));
    /** The name of the default policy, in events, stats and errors. */
    public static final String DEFAULT_POLICY_NAME = "jdbc-transaction";
    /**
     * The adaptive limit of {@link Builder#adaptiveConcurrencyLimit()}, tuned on the contention curve (BENCHMARKS.md):
     * <ul>
     *   <li>from 1 transaction at once, between 1 and 64: it finds its level within a few windows, before conflicts
     *       can pile up;
     *   <li>serialization failures and deadlocks decide: a window of 32 or more transactions in which more than 15 %
     *       conflicted shrinks the limit in proportion to the excess (20 %: by 5 %; a storm: by half at most), one
     *       with 7.5-15 % holds it, one with fewer lets it grow by one. So it settles where about 15 % of attempts
     *       conflict: goodput on hot rows peaks while some transactions conflict (the contention curve's fixed limit
     *       of 5 runs at 15-20 %), the retry absorbs them, and a transaction that conflicted on four attempts runs
     *       its fifth alone;
     *   <li>latency only stops a limit under which transactions got ten times slower than the fastest window: on a
     *       busy server a transaction's latency swings by more than any queue this limit could build;
     *   <li>callers wait up to 30 s for a slot (a wait in line, not a failure).
     * </ul>
     */
    public static final ConcurrencyLimitPolicy DEFAULT_LIMIT_POLICY = ConcurrencyLimitPolicy.adaptive(DEFAULT_POLICY_NAME)
            .initialLimit(1).minLimit(1).maxLimit(64)
            .decreaseFactor(0.5).overloadTolerance(0.15).latencyTolerance(10).minWindowSamples(32).maxWait(Duration.ofSeconds(30)).build();
    /**
     * {@link #DEFAULT_LIMIT_POLICY} for MariaDB and MySQL, where it settles where about 7.5 % of attempts conflict
     * instead of 15 %. There SERIALIZABLE reads take shared locks, so a conflict is a lock wait ended by a deadlock
     * (1213) rather than PostgreSQL's quick serialization failure: each costs more, and goodput peaks at fewer
     * conflicts (the contention curve in BENCHMARKS.md: at 64 and 256 clients on MariaDB 0.94-1.04× the best fixed
     * limit with this tolerance, 0.88-0.96× with PostgreSQL's; on PostgreSQL this tolerance is the worse one).
     */
    public static final ConcurrencyLimitPolicy LOCKING_DATABASE_LIMIT_POLICY = DEFAULT_LIMIT_POLICY.toBuilder()
            .overloadTolerance(0.075).build();

    private static final System.Logger LOG = System.getLogger(TransactionRunner.class.getName());

    /**
     * The adaptive limit's policy for a database, by the name its driver reports
     * ({@link java.sql.DatabaseMetaData#getDatabaseProductName()}): {@link #LOCKING_DATABASE_LIMIT_POLICY} for MariaDB
     * and MySQL, {@link #DEFAULT_LIMIT_POLICY} for any other (PostgreSQL, and when the name is unknown).
     */
    public static ConcurrencyLimitPolicy limitPolicyFor(String databaseProductName) {
        String name = databaseProductName == null ? "" : databaseProductName.toLowerCase(java.util.Locale.ROOT);
        return name.contains("mariadb") || name.contains("mysql") ? LOCKING_DATABASE_LIMIT_POLICY : DEFAULT_LIMIT_POLICY;
    }

    private final DataSource dataSource;
    private final Isolation isolation;
    private final Retrier<Object> retrier;
    private final ConcurrencyLimit limit;

    private TransactionRunner(DataSource dataSource, Isolation isolation, Retrier<Object> retrier, ConcurrencyLimit limit) {
        this.dataSource = dataSource;
        this.isolation = isolation;
        this.retrier = retrier;
        this.limit = limit;
    }

    /** A runner on {@code dataSource} with seed 000's policy and SERIALIZABLE isolation. */
    public static TransactionRunner of(DataSource dataSource) {
        return builder(dataSource).build();
    }

    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /**
     * Seed 000's policy, to adjust and pass to {@link Builder#retryPolicy}: 5 attempts, {@link #DEFAULT_BACKOFF},
     * classified by {@link SqlStates#classifier()}.
     */
    public static RetryPolicy.Builder<Object> policyBuilder() {
        return RetryPolicy.<Object>builder()
                .name(DEFAULT_POLICY_NAME)
                .maxAttempts(DEFAULT_MAX_ATTEMPTS)
                .backoff(DEFAULT_BACKOFF)
                .classifier(SqlStates.classifier());
    }

    /** {@link #policyBuilder()}, built. */
    public static RetryPolicy<Object> defaultPolicy() {
        return policyBuilder().build();
    }

    /**
     * Runs {@code callback} in a transaction, re-running all of it on a fresh transaction after a transient
     * failure, and returns its result once committed.
     *
     * @throws SQLException a non-transient SQL failure, as the driver threw it, on the attempt it happened
     * @throws CommitOutcomeUnknownException if the connection failed during COMMIT (not re-run)
     * @throws dev.endure.retry.RetriesExhaustedException if every attempt failed transiently
     */
    public <T> T inTransaction(TransactionCallback<T> callback) throws SQLException {
        return run(callback, false);
    }

    /**
     * As {@link #inTransaction}, for a callback that is safe to run twice even if the first run committed (it
     * writes by a key it chose, or checks whether its work is already there): a connection failure during COMMIT
     * is re-run like any other connection failure instead of raising {@link CommitOutcomeUnknownException}.
     */
    public <T> T inIdempotentTransaction(TransactionCallback<T> callback) throws SQLException {
        return run(callback, true);
    }

    /** A runner like this one (same retrier, same stats) at another isolation level. */
    public TransactionRunner withIsolation(Isolation isolation) {
        return new TransactionRunner(dataSource, Objects.requireNonNull(isolation, "isolation"), retrier, limit);
    }

    public Isolation isolation() {
        return isolation;
    }

    /** The retrier, to add listeners (logs, metrics) or read its policy. */
    public Retrier<Object> retrier() {
        return retrier;
    }

    /** The concurrency limit every attempt goes through, if any. */
    public java.util.Optional<ConcurrencyLimit> concurrencyLimit() {
        return java.util.Optional.ofNullable(limit);
    }

    /** Calls, attempts and the attempts-per-call histogram of every transaction run by this runner. */
    public RetryStats stats() {
        return retrier.stats();
    }

    @SuppressWarnings("unchecked")
    private <T> T run(TransactionCallback<T> callback, boolean idempotent) throws SQLException {
        Objects.requireNonNull(callback, "callback");
        return (T) retrier.<SQLException>execute(context -> limited(callback, idempotent, context));
    }

    /**
     * One attempt within the concurrency limit, if any: the slot is taken before the connection is borrowed and
     * given back after it is returned, so a retry's backoff holds neither. A failure is reported as the retry policy
     * classifies it: what it would re-run (a serialization failure, a deadlock) is overload; a domain failure is not.
     */
    private Object limited(TransactionCallback<?> callback, boolean idempotent, RetryContext context) throws SQLException {
        if (limit == null) {
            return attempt(callback, idempotent, context);
        }
        boolean alone = isLastAttemptAfterConflicts(context);
        long permit = alone ? limit.acquireExclusive() : limit.acquire();
        Object result;
        try {
            result = attempt(callback, idempotent, context);
        } catch (Throwable failure) {
            if (alone) {
                limit.releaseExclusive(permit, limitVerdict(failure));
            } else {
                limit.release(permit, limitVerdict(failure));
            }
            throw failure;
        }
        if (alone) {
            limit.releaseExclusive(permit, Verdict.success());
        } else {
            limit.release(permit);
        }
        return result;
    }

    /**
     * The last attempt of a transaction whose previous attempt conflicted (a serialization failure or deadlock) runs
     * alone under the limit ({@link ConcurrencyLimit#acquireExclusive()}): it waits for the transactions in flight
     * to finish, and with none beside it, it cannot conflict again. Rare (every earlier attempt must have
     * conflicted), and it is what keeps a conflict from reaching the caller however high the limit sits.
     */
    private boolean isLastAttemptAfterConflicts(RetryContext context) {
        int attempt = context.attempt();
        if (attempt < 2 || attempt < retrier.policy().maxAttempts()) {
            return false;
        }
        SqlFailure previous = context.previousFailure().map(SqlStates::classify).orElse(SqlFailure.NOT_TRANSIENT);
        return previous == SqlFailure.SERIALIZATION_FAILURE || previous == SqlFailure.DEADLOCK || previous == SqlFailure.CONCURRENT_UPDATE;
    }

    private Verdict limitVerdict(Throwable failure) {
        try {
            Verdict verdict = retrier.policy().classifier().classify(null, failure);
            return verdict != null ? verdict : Verdict.fail();
        } catch (RuntimeException classifierBug) {
            return Verdict.fail();
        }
    }

    /** One attempt: borrow, begin, run, commit; roll back on any failure; always restore and give back. */
    private Object attempt(TransactionCallback<?> callback, boolean idempotent, RetryContext context) throws SQLException {
        Connection connection = dataSource.getConnection();
        Throwable failure = null;
        boolean restoreAutoCommit = false;
        int restoreIsolation = -1;
        try {
            int original = connection.getTransactionIsolation();
            if (original != isolation.jdbcLevel()) {
                // Before auto-commit goes off: some drivers refuse to change isolation inside a transaction.
                connection.setTransactionIsolation(isolation.jdbcLevel());
                restoreIsolation = original;
            }
            if (connection.getAutoCommit()) {
                connection.setAutoCommit(false);
                restoreAutoCommit = true;
            }
            Object result;
            try {
                result = callback.run(connection);
            } catch (SQLException statementFailure) {
                throw explainLockWaitTimeout(connection, statementFailure);
            }
            commit(connection, idempotent, context);
            return result;
        } catch (Throwable thrown) {
            failure = thrown;
            rollback(connection, thrown);
            throw thrown;
        } finally {
            giveBack(connection, restoreAutoCommit, restoreIsolation, failure);
        }
    }

    private void commit(Connection connection, boolean idempotent, RetryContext context) throws SQLException {
        try {
            connection.commit();
        } catch (SQLException commitFailure) {
            if (idempotent || SqlStates.classify(commitFailure) != SqlFailure.CONNECTION_FAILURE) {
                // A serialization failure at COMMIT (PostgreSQL's SSI reports many there) is a definite rollback.
                throw commitFailure;
            }
            throw new CommitOutcomeUnknownException("commit outcome unknown: the connection failed during COMMIT on attempt "
                    + context.attempt() + " of transaction policy '" + retrier.policy().name()
                    + "', so the transaction may have committed; it is not re-run because the callback was not declared"
                    + " idempotent (inIdempotentTransaction). Check whether its work is there before trying again. Cause: "
                    + SqlStates.describe(commitFailure), commitFailure, context.attempt());
        }
    }

    /**
     * MariaDB and MySQL raise the same 1205 whether they rolled back one statement or the whole transaction; the
     * server's {@code innodb_rollback_on_timeout} (read-only, set at start-up) decides, so ask it on this connection.
     */
    private static SQLException explainLockWaitTimeout(Connection connection, SQLException failure) {
        SQLException timeout = SqlStates.mariaDbLockWaitTimeout(failure);
        if (timeout == null) {
            return failure;
        }
        boolean wholeTransaction;
        try (Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT @@innodb_rollback_on_timeout")) {
            wholeTransaction = rows.next() && rows.getBoolean(1);
        } catch (SQLException probeFailure) {
            // Not MariaDB/MySQL after all (SQL Server's 1205 is a deadlock, SQLState 40001), or the connection is
            // gone: leave the failure as the driver raised it, classified by its SQLState alone.
            failure.addSuppressed(probeFailure);
            return failure;
        }
        String message = wholeTransaction
                ? "lock wait timeout (error 1205): the server rolled back the whole transaction (innodb_rollback_on_timeout=ON),"
                        + " so it is re-run: " + timeout.getMessage()
                : "lock wait timeout (error 1205): the server rolled back only the last statement (innodb_rollback_on_timeout=OFF)"
                        + " after another transaction held the lock for all of innodb_lock_wait_timeout, so the transaction is"
                        + " rolled back and not re-run: " + timeout.getMessage();
        return new LockWaitTimeoutException(message, failure, wholeTransaction);
    }

    private static void rollback(Connection connection, Throwable failure) {
        try {
            connection.rollback();
        } catch (SQLException | RuntimeException rollbackFailure) {
            // Expected after a connection failure; the server rolls back a transaction whose connection died.
            failure.addSuppressed(rollbackFailure);
        }
    }

    /**
     * Restores what the attempt changed and closes (returns to its pool) the connection. Never throws after a
     * commit: a transaction that committed must not look failed, or the retry would run it twice.
     */
    private static void giveBack(Connection connection, boolean restoreAutoCommit, int restoreIsolation, Throwable failure) {
        Exception restoreFailure = null;
        try {
            if (restoreAutoCommit) {
                connection.setAutoCommit(true);
            }
            if (restoreIsolation >= 0) {
                connection.setTransactionIsolation(restoreIsolation);
            }
        } catch (SQLException | RuntimeException e) {
            restoreFailure = e;
        }
        try {
            connection.close();
        } catch (SQLException | RuntimeException e) {
            if (restoreFailure == null) {
                restoreFailure = e;
            } else {
                restoreFailure.addSuppressed(e);
            }
        }
        if (restoreFailure != null) {
            if (failure != null) {
                failure.addSuppressed(restoreFailure);
            } else {
                LOG.log(System.Logger.Level.WARNING, "transaction committed, but restoring or closing its connection failed;"
                        + " the connection may be broken", restoreFailure);
            }
        }
    }

    @Override
    public String toString() {
        return "TransactionRunner[" + isolation + ", " + retrier.policy() + (limit != null ? ", " + limit.policy() : "") + "]";
    }

    /** Builds a {@link TransactionRunner}; {@link #build()} validates. */
    public static final class Builder {
        private final DataSource dataSource;
        private Isolation isolation = Isolation.SERIALIZABLE;
        private RetryPolicy<Object> policy;
        private Retrier<Object> retrier;
        private ConcurrencyLimit limit;
        private boolean adaptiveForTheDatabase;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** The isolation level of every transaction (default SERIALIZABLE). */
        public Builder isolation(Isolation isolation) {
            this.isolation = Objects.requireNonNull(isolation, "isolation");
            return this;
        }

        /**
         * The retry policy (default {@link #defaultPolicy()}); a retrier on the system clock is built for it. Its
         * classifier must retry only transient SQL failures: start from {@link #policyBuilder()} or use
         * {@link SqlStates#classifier()}. Not together with {@link #retrier}.
         */
        public Builder retryPolicy(RetryPolicy<Object> policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * A ready retrier, e.g. one shared through a registry with listeners, a retry budget or virtual time in
         * tests. Its policy must classify as {@link #retryPolicy} says. Not together with {@link #retryPolicy}.
         */
        public Builder retrier(Retrier<Object> retrier) {
            this.retrier = Objects.requireNonNull(retrier, "retrier");
            return this;
        }

        /**
         * Runs every attempt within {@code limit} (a slot before the connection); null for none. Share one limit
         * between the runners of one database.
         */
        public Builder concurrencyLimit(ConcurrencyLimit limit) {
            this.limit = limit;
            this.adaptiveForTheDatabase = false;
            return this;
        }

        /**
         * Runs every attempt within a new adaptive limit with the policy for this database
         * ({@link #limitPolicyFor}): {@link #build()} borrows one connection to read the database's name. If it
         * cannot, the limit gets {@link #DEFAULT_LIMIT_POLICY} and a warning says why.
         */
        public Builder adaptiveConcurrencyLimit() {
            this.limit = null;
            this.adaptiveForTheDatabase = true;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalStateException if both a policy and a retrier were given
         * @throws IllegalArgumentException if the policy's classifier would re-run a transaction for a failure
         *     that is not a transient SQL failure, or after an unknown commit outcome
         */
        public TransactionRunner build() {
            if (policy != null && retrier != null) {
                throw new IllegalStateException("give the transaction runner a retryPolicy(...) or a retrier(...), not both");
            }
            Retrier<Object> chosen = retrier != null ? retrier : Retrier.of(policy != null ? policy : defaultPolicy());
            requireTransactionSafeClassifier(chosen.policy());
            ConcurrencyLimit chosenLimit = adaptiveForTheDatabase ? ConcurrencyLimit.of(limitPolicyFor(databaseProductName())) : limit;
            return new TransactionRunner(dataSource, isolation, chosen, chosenLimit);
        }

        private String databaseProductName() {
            try (Connection connection = dataSource.getConnection()) {
                return connection.getMetaData().getDatabaseProductName();
            } catch (SQLException | RuntimeException failure) {
                LOG.log(System.Logger.Level.WARNING, "adaptive concurrency limit: could not read the database's name to pick its"
                        + " policy, so it gets the default one (tuned on PostgreSQL): " + SqlStates.describe(failure));
                return null;
            }
        }

        /**
         * Re-running a transaction for an arbitrary exception re-runs a business rule that said no (or books twice
         * after an unknown commit): core's default classifier retries every exception, so refuse it by probing.
         */
        private static void requireTransactionSafeClassifier(RetryPolicy<Object> policy) {
            Throwable[] mustNotRetry = {
                new IllegalStateException("probe: a domain failure thrown by the callback"),
                new SQLException("probe: a constraint violation", "23505"),
                new CommitOutcomeUnknownException("probe: commit outcome unknown", new SQLException("probe", "08006"), 1),
            };
            for (Throwable probe : mustNotRetry) {
                Verdict verdict = policy.classifier().classify(null, probe);
                if (verdict != null && verdict.isRetryable()) {
                    throw new IllegalArgumentException("retry policy '" + policy.name() + "' would re-run a transaction after "
                            + probe.getClass().getSimpleName() + (probe instanceof SQLException sql ? " (SQLState " + sql.getSQLState() + ")" : "")
                            + "; a transaction must be re-run only for transient SQL failures: build the policy from"
                            + " TransactionRunner.policyBuilder() or give it SqlStates.classifier()");
                }
            }
        }
    }
}
