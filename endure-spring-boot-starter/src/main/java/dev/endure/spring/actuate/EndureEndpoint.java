package dev.endure.spring.actuate;

import dev.endure.breaker.BreakerSnapshot;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.budget.RetryBudget;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.retry.RetryStats;
import dev.endure.spring.internal.BreakerTransitions;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * The {@code endure} Actuator endpoint: every breaker (state, since when, counters), budget (balance),
 * concurrency limit (limit, in flight, waiting, rejections) and retrier (stats) of the {@link ResilienceRegistry}, and a write operation that forces a breaker open or
 * closed or resets it. Exposed and protected like any other endpoint:
 * {@code management.endpoints.web.exposure.include=endure}, and
 * {@code management.endpoint.endure.access=read-only} (or Spring Security) to keep the write operation shut.
 */
@Endpoint(id = "endure")
public class EndureEndpoint {

    /** What the write operation can do to a breaker. */
    public enum BreakerCommand {
        /** Reject every call until the next command (a forced-open breaker makes calls fail at once). */
        FORCE_OPEN,
        /** Let every call through and count nothing until the next command. */
        FORCE_CLOSED,
        /** Back to CLOSED with empty counters, following its rules again. */
        RESET
    }

    private final ResilienceRegistry registry;
    private final BreakerTransitions transitions;

    public EndureEndpoint(ResilienceRegistry registry, BreakerTransitions transitions) {
        this.registry = registry;
        this.transitions = transitions;
    }

    @ReadOperation
    public Map<String, Object> everything() {
        Map<String, Object> breakers = new LinkedHashMap<>();
        registry.circuitBreakers().forEach((name, breaker) -> breakers.put(name, describe(breaker)));
        Map<String, Object> budgets = new LinkedHashMap<>();
        registry.retryBudgets().forEach((name, budget) -> budgets.put(name, describe(budget)));
        Map<String, Object> limits = new LinkedHashMap<>();
        registry.concurrencyLimits().forEach((name, limit) -> limits.put(name, describe(limit)));
        Map<String, Object> retriers = new LinkedHashMap<>();
        registry.retriers().forEach((name, retrier) -> retriers.put(name, describe(retrier.stats())));
        registry.pipelines().forEach((name, pipeline) -> retriers.putIfAbsent(name, describe(pipeline.retrier().stats())));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("breakers", breakers);
        body.put("budgets", budgets);
        body.put("limits", limits);
        body.put("retriers", retriers);
        return body;
    }

    @ReadOperation
    public Map<String, Object> breaker(@Selector String name) {
        return registry.findCircuitBreaker(name).map(this::describe).orElse(null);
    }

    /**
     * Forces breaker {@code name} open or closed, or resets it: {@code POST /actuator/endure/billing} with
     * {@code {"command": "FORCE_OPEN"}}.
     */
    @WriteOperation
    public Map<String, Object> changeBreaker(@Selector String name, String command) {
        CircuitBreaker breaker = registry.findCircuitBreaker(name).orElse(null);
        if (breaker == null) {
            return null;
        }
        BreakerCommand parsed;
        try {
            parsed = BreakerCommand.valueOf(command.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException unknown) {
            // A 400 naming the field, not a 500: the operator's mistake.
            String message = "command must be FORCE_OPEN, FORCE_CLOSED or RESET (was " + command + ")";
            throw new InvalidEndpointRequestException(message, message);
        }
        switch (parsed) {
            case FORCE_OPEN -> breaker.forceOpen();
            case FORCE_CLOSED -> breaker.forceClose();
            case RESET -> breaker.reset();
        }
        return describe(breaker);
    }

    private Map<String, Object> describe(CircuitBreaker breaker) {
        BreakerSnapshot snapshot = breaker.snapshot();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("state", snapshot.state().name());
        view.put("forced", snapshot.forced());
        view.put("since", transitions.since(breaker.name()) == null ? null : transitions.since(breaker.name()).toString());
        view.put("retryAfterMillis", snapshot.retryAfter().toMillis());
        view.put("windowCalls", snapshot.windowCalls());
        view.put("windowFailures", snapshot.windowFailures());
        view.put("consecutiveFailures", snapshot.consecutiveFailures());
        view.put("successes", snapshot.successes());
        view.put("failures", snapshot.failures());
        view.put("slowCalls", snapshot.slowCalls());
        view.put("rejected", snapshot.rejected());
        return view;
    }

    private static Map<String, Object> describe(RetryBudget budget) {
        RetryBudget.Stats stats = budget.stats();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("available", stats.available());
        view.put("calls", stats.calls());
        view.put("retriesAllowed", stats.retriesAllowed());
        view.put("retriesRejected", stats.retriesRejected());
        return view;
    }

    private static Map<String, Object> describe(ConcurrencyLimit limit) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("adaptive", limit.isAdaptive());
        view.put("limit", limit.limit());
        view.put("inFlight", limit.inFlight());
        view.put("waiting", limit.waiting());
        view.put("rejections", limit.rejections());
        return view;
    }

    private static Map<String, Object> describe(RetryStats stats) {
        RetryStats.Snapshot snapshot = stats.snapshot();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("calls", snapshot.calls());
        view.put("attempts", snapshot.attempts());
        view.put("retries", snapshot.retries());
        view.put("successes", snapshot.successes());
        view.put("successesAfterRetry", snapshot.successesAfterRetry());
        view.put("failedPermanently", snapshot.failedPermanently());
        view.put("exhausted", snapshot.exhausted());
        view.put("budgetRejected", snapshot.budgetRejected());
        return view;
    }
}
