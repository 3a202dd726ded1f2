package dev.endure.delivery.internal;

import dev.endure.Verdict;
import dev.endure.delivery.spi.Claim;
import dev.endure.delivery.spi.DeliveryStore;
import dev.endure.delivery.Endpoint;
import dev.endure.delivery.spi.EndpointRateLimits;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimits;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A worker's admission of claim candidates, per endpoint, in this order: its fixed concurrency bound (counted across
 * nodes from live leases), its adaptive concurrency limit on this node (core's {@link ConcurrencyLimits}: a slot is
 * taken at the claim and given back when the attempt ends, with the receiver's answer as the load signal), and its
 * rate limit ({@link EndpointRateLimits}: this node's or the cluster's). Refused pending candidates move back a second
 * (or, when a rate refused one, half that endpoint's token interval, 20 ms to 1 s) so that a throttled endpoint's backlog
 * does not fill every later batch.
 */
public final class EndpointAdmission {

    /** What a slot given back without a call (refused, not leased, handed back) tells the adaptive limit: nothing. */
    private static final Verdict NO_SIGNAL = Verdict.fail();
    /** How far a refused pending candidate moves back, unless a rate-limited one could go sooner. */
    private static final Duration REFUSED_DEFER = Duration.ofSeconds(1);
    /** The least a rate-limited refusal moves back, so that a fast rate's backlog is not read at every claim. */
    private static final Duration MIN_RATE_DEFER = Duration.ofMillis(20);

    private final EndpointRateLimits rates;
    private final ConcurrencyLimits adaptive;
    private final boolean adaptiveByDefault;
    /** Adaptive slots of leased deliveries, per endpoint; each attempt's end gives one back. */
    private final Map<String, ConcurrentLinkedDeque<Long>> held = new ConcurrentHashMap<>();

    /**
     * @param adaptive the per-endpoint adaptive limits, or null for none
     * @param adaptiveByDefault whether an endpoint that does not say ({@link Endpoint#adaptiveConcurrency()} null) gets one
     */
    public EndpointAdmission(EndpointRateLimits rates, ConcurrencyLimits adaptive, boolean adaptiveByDefault) {
        this.rates = rates;
        this.adaptive = adaptive;
        this.adaptiveByDefault = adaptiveByDefault;
    }

    /** The admission for one claim, over the endpoints as they are now; {@link Batch#settle} it with the claim's result. */
    public Batch over(List<Endpoint> current) {
        Map<String, Endpoint> endpoints = new HashMap<>();
        for (Endpoint endpoint : current) {
            endpoints.put(endpoint.id(), endpoint);
        }
        return new Batch(endpoints);
    }

    /** Gives back the adaptive slot of one attempt of {@code endpointId} that ended, with what the receiver's answer says about load. */
    public void ended(String endpointId, Verdict loadSignal) {
        ConcurrentLinkedDeque<Long> permits = held.get(endpointId);
        Long permit = permits == null ? null : permits.pollFirst();
        if (permit != null) {
            adaptive.forKey(endpointId).release(permit, loadSignal);
        }
    }

    /** The endpoint's adaptive limit on this node, if it has one in use. */
    public Optional<ConcurrencyLimit> adaptiveLimit(String endpointId) {
        return adaptive == null ? Optional.empty() : adaptive.existing(endpointId);
    }

    private boolean adaptiveFor(Endpoint endpoint) {
        if (adaptive == null) {
            return false;
        }
        return endpoint.adaptiveConcurrency() != null ? endpoint.adaptiveConcurrency() : adaptiveByDefault;
    }

    /** One claim's admission; it remembers the adaptive slots it took until {@link #settle} or {@link #abandon}. */
    public final class Batch implements DeliveryStore.ClaimAdmission {

        private final Map<String, Endpoint> endpoints;
        private final Map<String, Integer> slotsTaken = new HashMap<>();
        /** When the soonest refused candidate could be admitted: a rate-limited one after its next token. */
        private Duration soonest = REFUSED_DEFER;

        private Batch(Map<String, Endpoint> endpoints) {
            this.endpoints = endpoints;
        }

        @Override
        public boolean admit(String endpointId, int inFlight) {
            Endpoint endpoint = endpoints.get(endpointId);
            if (endpoint == null) {
                return false;
            }
            if (endpoint.maxConcurrency() > 0 && inFlight >= endpoint.maxConcurrency()) {
                return false;
            }
            long permit = ConcurrencyLimit.NO_PERMIT;
            boolean limited = adaptiveFor(endpoint);
            if (limited) {
                permit = adaptive.forKey(endpointId).tryAcquire();
                if (permit == ConcurrencyLimit.NO_PERMIT) {
                    return false;
                }
            }
            boolean rated;
            try {
                rated = endpoint.rateLimitPerSecond() <= 0 || rates.tryAcquire(endpointId, endpoint.rateLimitPerSecond());
            } catch (RuntimeException badSetting) {
                rated = true; // one endpoint's bad setting must not stop the claim: its attempt records the failure
            }
            if (!rated) {
                // Its next token comes within one interval of its rate: looking again a whole second later would leave
                // most of the rate unused while the backlog waits; looking after half an interval catches the token
                // at most half an interval late.
                long interval = RateLimiter.intervalNanos(endpoint.rateLimitPerSecond()) / 2;
                Duration next = Duration.ofNanos(Math.max(MIN_RATE_DEFER.toNanos(), Math.min(REFUSED_DEFER.toNanos(), interval)));
                soonest = next.compareTo(soonest) < 0 ? next : soonest;
            }
            if (!limited) {
                return rated;
            }
            if (!rated) {
                adaptive.forKey(endpointId).release(permit, NO_SIGNAL);
                return false;
            }
            held.computeIfAbsent(endpointId, id -> new ConcurrentLinkedDeque<>()).addLast(permit);
            slotsTaken.merge(endpointId, 1, Integer::sum);
            return true;
        }

        @Override
        public boolean countsInFlight(String endpointId) {
            Endpoint endpoint = endpoints.get(endpointId);
            return endpoint != null && endpoint.maxConcurrency() > 0;
        }

        @Override
        public Duration deferRefused() {
            return soonest;
        }

        /** Gives back the slots of admitted candidates the claim did not lease. */
        public void settle(List<Claim> leased) {
            if (slotsTaken.isEmpty()) {
                return;
            }
            Map<String, Integer> unused = new HashMap<>(slotsTaken);
            for (Claim claim : leased) {
                unused.computeIfPresent(claim.endpointId(), (id, n) -> n - 1);
            }
            unused.forEach((endpointId, n) -> {
                for (int i = 0; i < n; i++) {
                    ended(endpointId, NO_SIGNAL);
                }
            });
            slotsTaken.clear();
        }

        /** The claim failed: gives back every slot this admission took. */
        public void abandon() {
            settle(List.of());
        }
    }
}
