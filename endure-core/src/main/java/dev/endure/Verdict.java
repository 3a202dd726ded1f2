package dev.endure;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What one outcome of a call means: the single decision a {@link Classifier} makes, shared by retries,
 * circuit breakers and delivery. A value, so deciding never throws and is tested without time.
 *
 * <ul>
 *   <li>{@link Kind#SUCCESS}: done, hand the result to the caller.
 *   <li>{@link Kind#RETRY}: transient; try again after the backoff.
 *   <li>{@link Kind#RETRY_AFTER}: transient, and the other side said when: the hint is a floor for the
 *       next delay (a {@code Retry-After} header, an open breaker's remaining time).
 *   <li>{@link Kind#FAIL}: permanent; fail now, on the first attempt, without retrying.
 *   <li>{@link Kind#DISABLE_TARGET}: permanent for the whole target (an HTTP 410 from a webhook
 *       endpoint); fail now and let the owner of the target disable it.
 * </ul>
 */
public final class Verdict {

    /** The decision. */
    public enum Kind {
        SUCCESS, RETRY, RETRY_AFTER, FAIL, DISABLE_TARGET
    }

    private static final Verdict SUCCESS = new Verdict(Kind.SUCCESS, null, null);
    private static final Verdict RETRY = new Verdict(Kind.RETRY, null, null);
    private static final Verdict FAIL = new Verdict(Kind.FAIL, null, null);

    private final Kind kind;
    private final Duration hint;
    private final String reason;

    private Verdict(Kind kind, Duration hint, String reason) {
        this.kind = kind;
        this.hint = hint;
        this.reason = reason;
    }

    /** The outcome is what the caller wanted. Allocation-free. */
    public static Verdict success() {
        return SUCCESS;
    }

    /** Transient failure; retry after the policy's backoff. Allocation-free. */
    public static Verdict retry() {
        return RETRY;
    }

    /** Transient failure with a reason that events and errors show, e.g. {@code "HTTP 503"}. */
    public static Verdict retry(String reason) {
        return new Verdict(Kind.RETRY, null, requireReason(reason));
    }

    /** Transient failure; the next attempt must not start before {@code hint} has passed. */
    public static Verdict retryAfter(Duration hint) {
        return new Verdict(Kind.RETRY_AFTER, requireHint(hint), null);
    }

    /** As {@link #retryAfter(Duration)}, with a reason. */
    public static Verdict retryAfter(Duration hint, String reason) {
        return new Verdict(Kind.RETRY_AFTER, requireHint(hint), requireReason(reason));
    }

    /** Permanent failure: fail now. Allocation-free. */
    public static Verdict fail() {
        return FAIL;
    }

    /** Permanent failure with a reason, e.g. {@code "HTTP 400"}. */
    public static Verdict fail(String reason) {
        return new Verdict(Kind.FAIL, null, requireReason(reason));
    }

    /** Permanent failure of the whole target, e.g. {@code "HTTP 410 Gone"}. */
    public static Verdict disableTarget(String reason) {
        return new Verdict(Kind.DISABLE_TARGET, null, requireReason(reason));
    }

    public Kind kind() {
        return kind;
    }

    /** The retry-after hint; present only for {@link Kind#RETRY_AFTER}. */
    public Optional<Duration> hint() {
        return Optional.ofNullable(hint);
    }

    /** The reason given by the classifier, if any. */
    public Optional<String> reason() {
        return Optional.ofNullable(reason);
    }

    /** True for {@link Kind#RETRY} and {@link Kind#RETRY_AFTER}. */
    public boolean isRetryable() {
        return kind == Kind.RETRY || kind == Kind.RETRY_AFTER;
    }

    /** True for every kind but {@link Kind#SUCCESS}: what a circuit breaker counts as a failure. */
    public boolean isFailure() {
        return kind != Kind.SUCCESS;
    }

    private static Duration requireHint(Duration hint) {
        Objects.requireNonNull(hint, "hint");
        if (hint.isNegative()) {
            throw new IllegalArgumentException("retry-after hint must not be negative (was " + hint + ")");
        }
        return hint;
    }

    private static String requireReason(String reason) {
        Objects.requireNonNull(reason, "reason");
        if (reason.isBlank()) {
            throw new IllegalArgumentException("reason must not be blank");
        }
        return reason;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Verdict that
                && kind == that.kind
                && Objects.equals(hint, that.hint)
                && Objects.equals(reason, that.reason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, hint, reason);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(kind.name());
        if (hint != null) {
            text.append('(').append(hint.toMillis()).append(" ms)");
        }
        if (reason != null) {
            text.append(": ").append(reason);
        }
        return text.toString();
    }
}
