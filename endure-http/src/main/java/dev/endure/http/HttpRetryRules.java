package dev.endure.http;

import dev.endure.HttpStatusTable;
import java.net.http.HttpRequest;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What {@link ResilientHttpClient} retries: an immutable value. Statuses come from endure-core's one
 * {@link HttpStatusTable} (defaults: retry 408, 429, 500, 502, 503, 504; honour {@code Retry-After} on
 * the throttling statuses 429 and 503; a breaker counts 5xx only); failures retried are
 * {@link NetworkFailures#isTransient} ones, and every failure that proves the request never left
 * ({@link NetworkFailures#isNothingSent}) is retried for every method. Only idempotent methods (GET, HEAD,
 * OPTIONS, PUT, DELETE, TRACE) or requests carrying an {@code Idempotency-Key} header are retried after
 * the request may have reached the server, unless {@link Builder#retryNonIdempotentMethods()} opts in.
 *
 * <pre>{@code
 * HttpRetryRules rules = HttpRetryRules.builder()
 *     .retryStatuses(429, 503)
 *     .retryNonIdempotentMethods()   // the server de-duplicates by other means
 *     .build();
 * }</pre>
 */
public final class HttpRetryRules {

    private static final Set<String> DEFAULT_IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");
    private static final HttpRetryRules DEFAULTS = builder().build();

    private final HttpStatusTable statuses;
    private final Predicate<Throwable> networkFailures;
    private final Set<String> idempotentMethods;
    private final String idempotencyKeyHeader;
    private final boolean retryNonIdempotent;

    private HttpRetryRules(Builder builder, HttpStatusTable statuses) {
        this.statuses = statuses;
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

    /** The status table these rules read. */
    public HttpStatusTable statusTable() {
        return statuses;
    }

    /** True if a response with this status is worth another attempt. */
    public boolean isRetryableStatus(int status) {
        return statuses.retries(status);
    }

    /** True if a {@code Retry-After} header on a response with this status sets a floor for the next delay. */
    public boolean honoursRetryAfter(int status) {
        return statuses.retries(status) && statuses.isThrottling(status);
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

    public Set<Integer> retryStatuses() {
        return statuses.retryStatuses();
    }

    public Set<String> idempotentMethods() {
        return idempotentMethods;
    }

    public String idempotencyKeyHeader() {
        return idempotencyKeyHeader;
    }

    @Override
    public String toString() {
        return "HttpRetryRules[statuses " + statuses.retryStatuses() + ", Retry-After on " + statuses.throttlingStatuses()
                + ", methods " + (retryNonIdempotent ? "all" : new TreeSet<>(idempotentMethods) + " or " + idempotencyKeyHeader) + "]";
    }

    /** Builds {@link HttpRetryRules}; {@link #build()} validates and names what is wrong. */
    public static final class Builder {
        private HttpStatusTable.Builder table = HttpStatusTable.defaults().toBuilder();
        private boolean throttlingSet;
        private Predicate<Throwable> networkFailures = NetworkFailures::isTransient;
        private Set<String> idempotentMethods = DEFAULT_IDEMPOTENT;
        private String idempotencyKeyHeader = "Idempotency-Key";
        private boolean retryNonIdempotent;

        private Builder() {}

        /** Starts from another status table (say one shared with endure-config); the settings below change rows of it. */
        public Builder statusTable(HttpStatusTable statusTable) {
            this.table = Objects.requireNonNull(statusTable, "statusTable").toBuilder();
            return this;
        }

        /** Replaces the retried statuses (default 408, 429, 500, 502, 503, 504). */
        public Builder retryStatuses(int... statuses) {
            table.retryStatuses(statuses);
            return this;
        }

        /**
         * The statuses whose {@code Retry-After} header is honoured as a floor: the table's throttling
         * statuses (default 429 and 503, those of them that are retried).
         */
        public Builder honourRetryAfterOn(int... statuses) {
            table.throttlingStatuses(statuses);
            throttlingSet = true;
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
            HttpStatusTable statuses = table.build();
            Set<Integer> stray = new TreeSet<>(statuses.throttlingStatuses());
            stray.removeAll(statuses.retryStatuses());
            if (throttlingSet && !stray.isEmpty()) {
                throw new IllegalArgumentException("honourRetryAfterOn names statuses that are not retried: " + stray
                        + " (retryStatuses is " + statuses.retryStatuses() + ") in HttpRetryRules");
            }
            return new HttpRetryRules(this, statuses);
        }
    }
}
