package dev.endure;

import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The one table of what an HTTP status means, in plain ints so that core needs no HTTP library:
 * endure-http's client, endure-config's {@code classification} section and endure-delivery's webhook
 * worker all read their decisions from it. An immutable value.
 *
 * <table>
 *   <caption>The defaults ({@link #defaults()}, DESIGN.md and seed 004)</caption>
 *   <tr><th>question</th><th>statuses</th></tr>
 *   <tr><td>retry?</td><td>408, 429, 500, 502, 503, 504; every other status of 400 or more fails now</td></tr>
 *   <tr><td>throttling (honour {@code Retry-After} as a floor)?</td><td>429, 503</td></tr>
 *   <tr><td>disables the target?</td><td>none; {@link #webhooks()} names 404 and 410</td></tr>
 *   <tr><td>counts against a circuit breaker?</td><td>every 5xx; a 4xx says the request was wrong, not
 *       that the host is unwell</td></tr>
 * </table>
 * A 2xx is a success; so is a 3xx unless {@link Builder#redirectsFail} says otherwise (a webhook
 * sender does not follow redirects, so for it a redirect is a failure). Where a module needs other answers it sets them on the
 * {@link Builder} (named settings); it never keeps a table of its own.
 *
 * <pre>{@code
 * HttpStatusTable table = HttpStatusTable.defaults().toBuilder().retryStatuses(429, 503).build();
 * Verdict verdict = table.verdict(503, retryAfterHint);   // RETRY_AFTER(hint): HTTP 503
 * }</pre>
 */
public final class HttpStatusTable {

    /** Statuses retried by default. */
    public static final Set<Integer> DEFAULT_RETRY_STATUSES = Set.of(408, 429, 500, 502, 503, 504);
    /** "Slow down" answers whose {@code Retry-After} is honoured, by default. */
    public static final Set<Integer> DEFAULT_THROTTLING_STATUSES = Set.of(429, 503);
    /**
     * The statuses that disable a webhook endpoint at once (seed 003): the receiver says the URL is gone.
     * Not in {@link #defaults()}: an ordinary HTTP call to a missing page is no reason to stop calling a host.
     */
    public static final Set<Integer> WEBHOOK_DISABLE_STATUSES = Set.of(404, 410);

    private static final HttpStatusTable DEFAULTS = builder().build();
    private static final HttpStatusTable WEBHOOKS = builder()
            .retryStatuses(IntStream.concat(IntStream.of(408, 429), IntStream.rangeClosed(500, 599)).toArray())
            .throttlingStatuses(408, 429, 503).disableStatuses(404, 410).redirectsFail(true).build();
    private static final int LOWEST = 100;
    private static final int HIGHEST = 599;

    private final BitSet retry;
    private final BitSet throttling;
    private final BitSet disable;
    private final BitSet breaker;
    private final boolean redirectsFail;
    /** Prepared verdicts without a hint, so classifying allocates nothing. */
    private final Verdict[] verdicts = new Verdict[HIGHEST + 1];
    private final Verdict[] breakerVerdicts = new Verdict[HIGHEST + 1];

    private HttpStatusTable(Builder builder) {
        this.retry = (BitSet) builder.retry.clone();
        this.throttling = (BitSet) builder.throttling.clone();
        this.disable = (BitSet) builder.disable.clone();
        this.breaker = (BitSet) builder.breaker.clone();
        this.redirectsFail = builder.redirectsFail;
        for (int status = LOWEST; status <= HIGHEST; status++) {
            verdicts[status] = verdictWithoutHint(status);
            breakerVerdicts[status] = breaker.get(status) ? Verdict.fail("HTTP " + status) : Verdict.success();
        }
    }

    /** The defaults in the table above. */
    public static HttpStatusTable defaults() {
        return DEFAULTS;
    }

    /**
     * Seed 003's webhook table: retry 408, 429 and every 5xx; throttling 408, 429, 503; 404 and 410 disable
     * the endpoint ({@link #WEBHOOK_DISABLE_STATUSES}); a redirect fails (it is not followed: its target
     * would escape the SSRF check); 5xx count against the endpoint's breaker.
     */
    public static HttpStatusTable webhooks() {
        return WEBHOOKS;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.retry = (BitSet) retry.clone();
        builder.throttling = (BitSet) throttling.clone();
        builder.disable = (BitSet) disable.clone();
        builder.breaker = (BitSet) breaker.clone();
        builder.redirectsFail = redirectsFail;
        return builder;
    }

    /** True if a response with this status is worth another attempt. */
    public boolean retries(int status) {
        return in(retry, status);
    }

    /** True if this status asks the caller to slow down: its {@code Retry-After} sets a floor for the next delay. */
    public boolean isThrottling(int status) {
        return in(throttling, status);
    }

    /** True if this status says the whole target is gone (a webhook endpoint is disabled). */
    public boolean disablesTarget(int status) {
        return in(disable, status);
    }

    /** True if a circuit breaker counts this status as a failure of the host. */
    public boolean countsAgainstBreaker(int status) {
        return in(breaker, status);
    }

    /**
     * What this status means for a retry: success below 400, disable-target, retry (after the hint, for a
     * throttling status that gave one), or fail now. The reason reads {@code "HTTP 503"}.
     *
     * @param hint the response's {@code Retry-After}, or null; used only for throttling statuses
     */
    public Verdict verdict(int status, Duration hint) {
        if (hint != null && retries(status) && isThrottling(status) && !disablesTarget(status)) {
            return Verdict.retryAfter(hint, "HTTP " + status + ", Retry-After " + Durations.describe(hint));
        }
        return status >= LOWEST && status <= HIGHEST ? verdicts[status] : verdictWithoutHint(status);
    }

    /** What a circuit breaker records for this status: a failure or a success. Allocation-free. */
    public Verdict breakerVerdict(int status) {
        if (status >= LOWEST && status <= HIGHEST) {
            return breakerVerdicts[status];
        }
        return Verdict.success();
    }

    private Verdict verdictWithoutHint(int status) {
        if (disablesTarget(status)) {
            return Verdict.disableTarget("HTTP " + status);
        }
        if (retries(status)) {
            return Verdict.retry("HTTP " + status);
        }
        return status >= 400 || (redirectsFail && status >= 300) ? Verdict.fail("HTTP " + status) : Verdict.success();
    }

    public Set<Integer> retryStatuses() {
        return set(retry);
    }

    public Set<Integer> throttlingStatuses() {
        return set(throttling);
    }

    public Set<Integer> disableStatuses() {
        return set(disable);
    }

    public Set<Integer> breakerStatuses() {
        return set(breaker);
    }

    /** Whether a 3xx is a failure (it is not followed) rather than an answer. */
    public boolean redirectsFail() {
        return redirectsFail;
    }

    private static boolean in(BitSet set, int status) {
        return status >= 0 && set.get(status);
    }

    private static Set<Integer> set(BitSet bits) {
        return bits.stream().boxed().collect(Collectors.toCollection(TreeSet::new));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HttpStatusTable that && retry.equals(that.retry) && throttling.equals(that.throttling)
                && disable.equals(that.disable) && breaker.equals(that.breaker) && redirectsFail == that.redirectsFail;
    }

    @Override
    public int hashCode() {
        return Objects.hash(retry, throttling, disable, breaker, redirectsFail);
    }

    @Override
    public String toString() {
        return "HttpStatusTable[retry " + retryStatuses() + ", throttling " + throttlingStatuses() + ", disable "
                + disableStatuses() + ", breaker " + (breaker.equals(fiveHundreds()) ? "5xx" : breakerStatuses().toString())
                + (redirectsFail ? ", redirects fail" : "") + "]";
    }

    private static BitSet fiveHundreds() {
        BitSet bits = new BitSet();
        bits.set(500, 600);
        return bits;
    }

    /** Builds an {@link HttpStatusTable}; every setting replaces one row of the defaults. */
    public static final class Builder {
        private BitSet retry = bits(DEFAULT_RETRY_STATUSES.stream().mapToInt(Integer::intValue));
        private BitSet throttling = bits(DEFAULT_THROTTLING_STATUSES.stream().mapToInt(Integer::intValue));
        private BitSet disable = new BitSet();
        private BitSet breaker = fiveHundreds();
        private boolean redirectsFail;

        private Builder() {}

        /** The statuses retried (default 408, 429, 500, 502, 503, 504). */
        public Builder retryStatuses(int... statuses) {
            this.retry = errorStatuses("retryStatuses", statuses);
            return this;
        }

        /** As {@link #retryStatuses(int...)}. */
        public Builder retryStatuses(Set<Integer> statuses) {
            return retryStatuses(ints(statuses));
        }

        /** The "slow down" statuses whose {@code Retry-After} is honoured (default 429, 503). */
        public Builder throttlingStatuses(int... statuses) {
            this.throttling = errorStatuses("throttlingStatuses", statuses);
            return this;
        }

        public Builder throttlingStatuses(Set<Integer> statuses) {
            return throttlingStatuses(ints(statuses));
        }

        /** The statuses that disable the target (default none; webhooks: 404, 410); a 3xx may be named too. */
        public Builder disableStatuses(int... statuses) {
            this.disable = statuses("disableStatuses", statuses, 300);
            return this;
        }

        public Builder disableStatuses(Set<Integer> statuses) {
            return disableStatuses(ints(statuses));
        }

        /** The statuses a circuit breaker counts as failures (default every 5xx). */
        public Builder breakerStatuses(int... statuses) {
            this.breaker = errorStatuses("breakerStatuses", statuses);
            return this;
        }

        public Builder breakerStatuses(Set<Integer> statuses) {
            return breakerStatuses(ints(statuses));
        }

        /** Whether a 3xx fails (true for webhooks, which do not follow redirects) or is an answer (default). */
        public Builder redirectsFail(boolean value) {
            this.redirectsFail = value;
            return this;
        }

        public HttpStatusTable build() {
            return new HttpStatusTable(this);
        }

        private static int[] ints(Set<Integer> statuses) {
            Objects.requireNonNull(statuses, "statuses");
            return statuses.stream().mapToInt(status -> Objects.requireNonNull(status, "status")).toArray();
        }

        private static BitSet errorStatuses(String field, int[] statuses) {
            return statuses(field, statuses, 400);
        }

        private static BitSet statuses(String field, int[] statuses, int lowest) {
            Objects.requireNonNull(statuses, field);
            for (int status : statuses) {
                if (status < LOWEST || status > HIGHEST) {
                    throw new IllegalArgumentException(field + " must hold HTTP statuses from 100 to 599 (was " + status + ")");
                }
                if (status < lowest) {
                    throw new IllegalArgumentException(field + " must hold error statuses, " + lowest + " or above (was " + status
                            + "): a " + status + " is an answer, not a failure");
                }
            }
            return bits(Arrays.stream(statuses));
        }

        private static BitSet bits(IntStream statuses) {
            BitSet bits = new BitSet(HIGHEST + 1);
            statuses.forEach(bits::set);
            return bits;
        }
    }
}
