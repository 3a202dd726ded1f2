package dev.endure.http;

import java.net.http.HttpRequest;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What {@link ResilientHttpClient} retries: an immutable value. The defaults follow seed 004 and
 * DESIGN.md: statuses 408, 429, 500, 502, 503, 504 and transient network failures
 * ({@link NetworkFailures#isTransient}) are retried; every other 4xx and 5xx is returned at once.
 * Only idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) or requests carrying an
 * {@code Idempotency-Key} header are retried, unless {@link Builder#retryNonIdempotentMethods()} opts in.
 *
 * <pre>{@code
 * HttpRetryRules rules = HttpRetryRules.builder()
 *     .retryStatuses(429, 503)
 *     .retryNonIdempotentMethods()   // the server de-duplicates by other means
 *     .build();
 * }</pre>
 */
public final class HttpRetryRules {

    private static final Set<Integer> DEFAULT_STATUSES = Set.of(408, 429, 500, 502, 503, 504);
    private static final Set<String> DEFAULT_IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");
    private static final HttpRetryRules DEFAULTS = builder().build();

    private final Set<Integer> retryStatuses;
    private final Set<Integer> retryAfterStatuses;
    private final Predicate<Throwable> networkFailures;
    private final Set<String> idempotentMethods;
    private final String idempotencyKeyHeader;
    private final boolean retryNonIdempotent;

    private HttpRetryRules(Builder builder) {
        this.retryStatuses = Set.copyOf(builder.retryStatuses);
        this.retryAfterStatuses = builder.retryAfterStatuses == null ? retryStatuses : Set.copyOf(builder.retryAfterStatuses);
        this.networkFailures = builder.networkFailures;
        this.idempotentMethods = Set.copyOf(builder.idempotentMethods);
        this.idempotencyKeyHeader = builder.idempotencyKeyHeader;
        this.retryNonIdempotent = builder.retryNonIdempotent;
    }

    /** The defaults described above. */
    public static HttpRetryRules defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True if a response with this status is worth another attempt. */
    public boolean isRetryableStatus(int status) {
        return retryStatuses.contains(status);
    }

    /** True if a {@code Retry-After} header on a response with this status sets a floor for the next delay. */
    public boolean honoursRetryAfter(int status) {
        return retryAfterStatuses.contains(status);
    }

    /** True if this failure of an attempt is transient network trouble. */
    public boolean isRetryableFailure(Throwable failure) {
        return networkFailures.test(failure);
    }

    /**
     * True if repeating {@code request} is safe: its method is idempotent, it carries an idempotency key,
     * or the rules opt in to retrying every method.
     */
    public boolean mayRetry(HttpRequest request) {
        return retryNonIdempotent
                || idempotentMethods.contains(request.method().toUpperCase(Locale.ROOT))
                || request.headers().firstValue(idempotencyKeyHeader).filter(key -> !key.isBlank()).isPresent();
    }

    /** Why {@code request} is not retried; for messages. */
    String whyNotRetried(HttpRequest request) {
        return request.method() + " is not idempotent and carries no " + idempotencyKeyHeader
                + " header, so it is not retried (send the header, or opt in with retryNonIdempotentMethods())";
    }

    public Set<Integer> retryStatuses() {
        return retryStatuses;
    }

    public Set<String> idempotentMethods() {
        return idempotentMethods;
    }

    public String idempotencyKeyHeader() {
        return idempotencyKeyHeader;
    }

    @Override
    public String toString() {
        return "HttpRetryRules[statuses " + new TreeSet<>(retryStatuses) + ", Retry-After on " + new TreeSet<>(retryAfterStatuses)
                + ", methods " + (retryNonIdempotent ? "all" : new TreeSet<>(idempotentMethods) + " or " + idempotencyKeyHeader) + "]";
    }

    /** Builds {@link HttpRetryRules}; {@link #build()} validates and names what is wrong. */
    public static final class Builder {
        private Set<Integer> retryStatuses = DEFAULT_STATUSES;
        private Set<Integer> retryAfterStatuses;
        private Predicate<Throwable> networkFailures = NetworkFailures::isTransient;
        private Set<String> idempotentMethods = DEFAULT_IDEMPOTENT;
        private String idempotencyKeyHeader = "Idempotency-Key";
        private boolean retryNonIdempotent;

        private Builder() {}

        /** Replaces the retried statuses (default 408, 429, 500, 502, 503, 504). */
        public Builder retryStatuses(int... statuses) {
            this.retryStatuses = statusSet("retryStatuses", statuses);
            return this;
        }

        /**
         * The statuses whose {@code Retry-After} header is honoured as a floor (default: every retried
         * status; a server that bothers to say when is always listened to).
         */
        public Builder honourRetryAfterOn(int... statuses) {
            this.retryAfterStatuses = statusSet("honourRetryAfterOn", statuses);
            return this;
        }

        /** Which attempt failures are retried (default {@link NetworkFailures#isTransient}). */
        public Builder retryFailuresIf(Predicate<Throwable> networkFailures) {
            this.networkFailures = Objects.requireNonNull(networkFailures, "networkFailures");
            return this;
        }

        /** Replaces the methods retried without an idempotency key (default GET, HEAD, OPTIONS, PUT, DELETE, TRACE). */
        public Builder idempotentMethods(String... methods) {
            Objects.requireNonNull(methods, "methods");
            this.idempotentMethods = Arrays.stream(methods)
                    .map(method -> Objects.requireNonNull(method, "method").trim().toUpperCase(Locale.ROOT))
                    .collect(Collectors.toSet());
            return this;
        }

        /** The header whose presence makes any method retryable (default {@code Idempotency-Key}). */
        public Builder idempotencyKeyHeader(String header) {
            this.idempotencyKeyHeader = header;
            return this;
        }

        /** Opt-in: retry POST, PATCH and other non-idempotent methods too, without an idempotency key. */
        public Builder retryNonIdempotentMethods() {
            this.retryNonIdempotent = true;
            return this;
        }

        public HttpRetryRules build() {
            Objects.requireNonNull(idempotencyKeyHeader, "idempotencyKeyHeader");
            if (idempotencyKeyHeader.isBlank()) {
                throw new IllegalArgumentException("idempotencyKeyHeader must not be blank in HttpRetryRules");
            }
            if (retryAfterStatuses != null && !retryStatuses.containsAll(retryAfterStatuses)) {
                Set<Integer> stray = new TreeSet<>(retryAfterStatuses);
                stray.removeAll(retryStatuses);
                throw new IllegalArgumentException("honourRetryAfterOn names statuses that are not retried: " + stray
                        + " (retryStatuses is " + new TreeSet<>(retryStatuses) + ") in HttpRetryRules");
            }
            return new HttpRetryRules(this);
        }

        private static Set<Integer> statusSet(String field, int[] statuses) {
            Objects.requireNonNull(statuses, field);
            for (int status : statuses) {
                if (status < 100 || status > 599) {
                    throw new IllegalArgumentException(field + " must hold HTTP statuses from 100 to 599 (was " + status + ")");
                }
                if (status < 400) {
                    throw new IllegalArgumentException(field + " must hold error statuses, 400 or above (was " + status
                            + "): a " + status + " is an answer, not a failure");
                }
            }
            return Arrays.stream(statuses).boxed().collect(Collectors.toSet());
        }
    }
}
