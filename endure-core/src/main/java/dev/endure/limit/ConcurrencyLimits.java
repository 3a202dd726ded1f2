package dev.endure.limit;

import dev.endure.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link ConcurrencyLimit} per key (a host, a webhook endpoint, a tenant), each made on first use from the same
 * policy and named {@code prefix@key}: an adaptive limit per endpoint learns each receiver's capacity, from its
 * latency and its 429s and 503s, without one slow receiver holding back the others.
 *
 * <pre>{@code
 * ConcurrencyLimits perEndpoint = ConcurrencyLimits.of("webhooks", ConcurrencyLimitPolicy.adaptive("endpoint").build());
 * ConcurrencyLimit limit = perEndpoint.forKey(endpointId);
 * long permit = limit.tryAcquire();
 * if (permit == ConcurrencyLimit.NO_PERMIT) { ...leave this delivery for later, take another endpoint's... }
 * try { ...send...; limit.release(permit, verdict); } ...
 * }</pre>
 */
public final class ConcurrencyLimits {

    private final String prefix;
    private final ConcurrencyLimitPolicy policy;
    private final Clock clock;
    private final ConcurrentHashMap<String, ConcurrencyLimit> limits = new ConcurrentHashMap<>();

    private ConcurrencyLimits(String prefix, ConcurrencyLimitPolicy policy, Clock clock) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public static ConcurrencyLimits of(String prefix, ConcurrencyLimitPolicy policy) {
        return new ConcurrencyLimits(prefix, policy, Clock.system());
    }

    public static ConcurrencyLimits of(String prefix, ConcurrencyLimitPolicy policy, Clock clock) {
        return new ConcurrencyLimits(prefix, policy, clock);
    }

    /** The key's limit, made on first use. */
    public ConcurrencyLimit forKey(String key) {
        Objects.requireNonNull(key, "key");
        ConcurrencyLimit limit = limits.get(key);
        return limit != null ? limit : limits.computeIfAbsent(key, k -> ConcurrencyLimit.of(policy.withName(prefix + "@" + k), clock));
    }

    /** The key's limit if a call was made through it. */
    public Optional<ConcurrencyLimit> existing(String key) {
        return Optional.ofNullable(limits.get(key));
    }

    /** Forgets a key's limit (an endpoint deleted); calls holding its permits still release them. */
    public void remove(String key) {
        limits.remove(key);
    }

    /** Every key's current limit, sorted by key: for a dashboard or metrics. */
    public Map<String, Integer> snapshot() {
        Map<String, Integer> values = new TreeMap<>();
        limits.forEach((key, limit) -> values.put(key, limit.limit()));
        return values;
    }

    public ConcurrencyLimitPolicy policy() {
        return policy;
    }
}
