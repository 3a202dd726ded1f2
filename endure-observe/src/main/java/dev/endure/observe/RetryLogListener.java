package dev.endure.observe;

import dev.endure.Cancellable;
import dev.endure.Verdict;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryEvent;
import dev.endure.retry.RetryListener;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Writes one structured SLF4J 2 log event per retry, the way seed 004 logs {@code billing_service_retry},
 * and one when the retries give up. Values go in as key-value pairs (the fluent API's
 * {@code addKeyValue}), so a JSON encoder writes them as fields.
 *
 * <pre>{@code
 * RetryLogListener.builder().eventName("billing_service_retry").build().attachTo(retrier);
 * }</pre>
 *
 * <table>
 *   <caption>Keys of the retry event (INFO by default; message = the event name)</caption>
 *   <tr><td>{@code event}</td><td>the event name, e.g. {@code billing_service_retry}</td></tr>
 *   <tr><td>{@code policy}</td><td>the retry policy's name</td></tr>
 *   <tr><td>{@code attempt}</td><td>the attempt that failed, 1 for the first</td></tr>
 *   <tr><td>{@code max_attempts}</td><td>the policy's attempts in all (when attached to a retrier)</td></tr>
 *   <tr><td>{@code delay_ms}</td><td>the wait before the next attempt, in milliseconds</td></tr>
 *   <tr><td>{@code elapsed_ms}</td><td>time since the call's first attempt started</td></tr>
 *   <tr><td>{@code reason}</td><td>why it is retried: the classifier's reason or the failure, secrets masked</td></tr>
 *   <tr><td>{@code status}</td><td>the result's status, when known (an {@link HttpResponse}, or {@code statusOf})</td></tr>
 *   <tr><td>{@code sql_state}, {@code error_code}</td><td>of the first {@link SQLException} in the failure's chain</td></tr>
 *   <tr><td>{@code exception}</td><td>the failure's class name</td></tr>
 *   <tr><td>{@code retry_after_ms}</td><td>the retry-after hint the other side gave, if any</td></tr>
 * </table>
 * The give-up event ({@code <event name>_exhausted}, WARN) has {@code policy}, {@code attempts},
 * {@code elapsed_ms}, {@code give_up_reason} (max_attempts, max_duration, hint_exceeds_deadline,
 * retry_budget), {@code reason}, {@code exception} and {@code status}/{@code sql_state} when known.
 *
 * <p>A failure's message is logged only after {@link Redaction} masked whatever looks like a secret.
 * Thread-safe; one listener may serve many retriers.
 */
public final class RetryLogListener implements RetryListener {

    private final Logger logger;
    private final String eventName;
    private final Level retryLevel;
    private final Level giveUpLevel;
    private final int maxAttempts;
    private final Function<Object, Integer> statusOf;

    private RetryLogListener(Builder builder) {
        this.logger = builder.logger != null ? builder.logger : LoggerFactory.getLogger("dev.endure.retry");
        this.eventName = builder.eventName;
        this.retryLevel = builder.retryLevel;
        this.giveUpLevel = builder.giveUpLevel;
        this.maxAttempts = builder.maxAttempts;
        this.statusOf = builder.statusOf;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Adds this listener to {@code retrier}, with {@code max_attempts} from its policy.
     *
     * @return a handle that removes it again
     */
    public Cancellable attachTo(Retrier<?> retrier) {
        RetryLogListener attached = maxAttempts > 0 ? this : toBuilder().maxAttempts(retrier.policy().maxAttempts()).build();
        return retrier.addListener(attached);
    }

    private Builder toBuilder() {
        Builder builder = new Builder().logger(logger).retryLevel(retryLevel).giveUpLevel(giveUpLevel)
                .maxAttempts(maxAttempts).statusOf(statusOf);
        builder.eventName = eventName;
        return builder;
    }

    @Override
    public void onEvent(RetryEvent event) {
        // Each decision event carries the verdict and outcome that led to it: no state between events.
        if (event instanceof RetryEvent.RetryScheduled scheduled) {
            logRetry(scheduled);
        } else if (event instanceof RetryEvent.Exhausted exhausted) {
            logGiveUp(exhausted);
        }
    }

    private void logRetry(RetryEvent.RetryScheduled scheduled) {
        if (!logger.isEnabledForLevel(retryLevel)) {
            return;
        }
        String name = nameFor(scheduled.policyName(), "_retry");
        LoggingEventBuilder log = logger.atLevel(retryLevel).setMessage(name)
                .addKeyValue("event", name)
                .addKeyValue("policy", scheduled.policyName())
                .addKeyValue("attempt", scheduled.nextAttempt() - 1);
        if (maxAttempts > 0) {
            log.addKeyValue("max_attempts", maxAttempts);
        }
        log.addKeyValue("delay_ms", scheduled.delay().toMillis())
                .addKeyValue("elapsed_ms", scheduled.elapsed().toMillis())
                .addKeyValue("reason", Redaction.redact(scheduled.reason()));
        addOutcome(log, scheduled.result(), scheduled.failure());
        scheduled.verdict().hint().ifPresent(hint -> log.addKeyValue("retry_after_ms", hint.toMillis()));
        log.log();
    }

    private void logGiveUp(RetryEvent.Exhausted exhausted) {
        if (!logger.isEnabledForLevel(giveUpLevel)) {
            return;
        }
        String name = nameFor(exhausted.policyName(), "_retry") + "_exhausted";
        LoggingEventBuilder log = logger.atLevel(giveUpLevel).setMessage(name)
                .addKeyValue("event", name)
                .addKeyValue("policy", exhausted.policyName())
                .addKeyValue("attempts", exhausted.attempts())
                .addKeyValue("elapsed_ms", exhausted.elapsed().toMillis())
                .addKeyValue("give_up_reason", exhausted.reason().name().toLowerCase(Locale.ROOT));
        Verdict verdict = exhausted.lastVerdict();
        String reason = verdict.reason().orElseGet(() -> exhausted.lastFailure() != null ? describe(exhausted.lastFailure()) : null);
        if (reason != null) {
            log.addKeyValue("reason", Redaction.redact(reason));
        }
        addOutcome(log, exhausted.lastResult(), exhausted.lastFailure());
        log.log();
    }

    private void addOutcome(LoggingEventBuilder log, Object result, Throwable failure) {
        if (failure != null) {
            log.addKeyValue("exception", failure.getClass().getName());
            SQLException sql = sqlException(failure);
            if (sql != null) {
                if (sql.getSQLState() != null) {
                    log.addKeyValue("sql_state", sql.getSQLState());
                }
                log.addKeyValue("error_code", sql.getErrorCode());
            }
        } else if (result != null) {
            Integer status = statusOf(result);
            if (status != null) {
                log.addKeyValue("status", status);
            }
        }
    }

    private Integer statusOf(Object result) {
        if (statusOf != null) {
            try {
                Integer status = statusOf.apply(result);
                if (status != null) {
                    return status;
                }
            } catch (RuntimeException unreadable) {
                // a status reader that cannot read this result: log without the status
            }
        }
        return result instanceof HttpResponse<?> response ? response.statusCode() : null;
    }

    /** The first SQLException in the cause chain and each one's next-exception chain. */
    private static SQLException sqlException(Throwable failure) {
        Throwable current = failure;
        for (int depth = 0; current != null && depth < 32; depth++) {
            if (current instanceof SQLException sql) {
                // The SQLState that matters may be on a chained exception (PostgreSQL's batch errors).
                for (SQLException next = sql; next != null && depth < 32; next = next.getNextException(), depth++) {
                    if (next.getSQLState() != null) {
                        return next;
                    }
                }
                return sql;
            }
            current = current.getCause() == current ? null : current.getCause();
        }
        return null;
    }

    private static String describe(Throwable failure) {
        if (failure == null) {
            return "a result the policy retries on";
        }
        return failure.getMessage() == null ? failure.getClass().getName() : failure.getClass().getName() + ": " + failure.getMessage();
    }

    private String nameFor(String policy, String suffix) {
        if (eventName != null) {
            return eventName;
        }
        return policy.replaceAll("[^A-Za-z0-9]+", "_").toLowerCase(Locale.ROOT) + suffix;
    }

    @Override
    public String toString() {
        return "RetryLogListener[" + logger.getName() + (eventName == null ? "" : ", " + eventName) + "]";
    }

    /** Builds a {@link RetryLogListener}. */
    public static final class Builder {
        private Logger logger;
        private String eventName;
        private Level retryLevel = Level.INFO;
        private Level giveUpLevel = Level.WARN;
        private int maxAttempts;
        private Function<Object, Integer> statusOf;

        private Builder() {}

        /** The logger; default {@code dev.endure.retry}. */
        public Builder logger(Logger logger) {
            this.logger = Objects.requireNonNull(logger, "logger");
            return this;
        }

        /**
         * The retry event's name (its message and {@code event} key), e.g. {@code billing_service_retry};
         * the give-up event adds {@code _exhausted}. Default: the policy name in snake_case + {@code _retry}.
         */
        public Builder eventName(String eventName) {
            Objects.requireNonNull(eventName, "eventName");
            if (eventName.isBlank()) {
                throw new IllegalArgumentException("eventName must not be blank");
            }
            this.eventName = eventName;
            return this;
        }

        /** The level of the per-retry event (default INFO). */
        public Builder retryLevel(Level level) {
            this.retryLevel = Objects.requireNonNull(level, "level");
            return this;
        }

        /** The level of the give-up event (default WARN). */
        public Builder giveUpLevel(Level level) {
            this.giveUpLevel = Objects.requireNonNull(level, "level");
            return this;
        }

        /** The {@code max_attempts} value; set by {@link #attachTo} from the policy when not given. */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 0) {
                throw new IllegalArgumentException("maxAttempts must not be negative (was " + maxAttempts + ")");
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Reads a status from a retried result, e.g. {@code r -> ((MyResponse) r).code()}; null when it has
         * none. {@link HttpResponse} results are read without it.
         */
        public Builder statusOf(Function<Object, Integer> statusOf) {
            this.statusOf = statusOf;
            return this;
        }

        public RetryLogListener build() {
            return new RetryLogListener(this);
        }
    }
}
