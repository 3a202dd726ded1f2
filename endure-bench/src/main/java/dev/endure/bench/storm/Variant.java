package dev.endure.bench.storm;

import dev.endure.budget.BudgetStore;
import dev.endure.budget.RetryBudget;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.http.ResilientHttpClient;
import dev.endure.retry.Backoff;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryPolicy;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;

/**
 * The clients compared: every one makes at most {@value #MAX_ATTEMPTS} attempts per layer with the same
 * exponential backoff (20 ms ×2), retrying 5xx and I/O failures, over the same JDK {@link HttpClient}.
 */
enum Variant {
    NO_RETRY("no retry"),
    RESILIENCE4J("Resilience4j Retry"),
    FAILSAFE("Failsafe RetryPolicy"),
    ENDURE_NO_BUDGET("Endure, no budget"),
    ENDURE_DEFAULT_BUDGET("Endure, default budget (per JVM)"),
    ENDURE_SHARED_BUDGET("Endure, default budget shared by the JVMs"),
    NESTED_RESILIENCE4J("nested: 3 layers of Resilience4j Retry"),
    NESTED_ENDURE("nested: Endure retry > Endure retry > Endure HTTP client, no budget"),
    NESTED_ENDURE_SHARED_BUDGET("nested: the same, shared budget");

    static final int MAX_ATTEMPTS = 3;
    static final Duration INITIAL = Duration.ofMillis(20);

    final String label;

    Variant(String label) {
        this.label = label;
    }

    /** One logical call; true when the caller got a 200. */
    interface Call {
        boolean call() throws Exception;
    }

    /** Builds this variant's call to {@code base + name()}; {@code store} pools the shared budgets. */
    Call build(HttpClient jdk, URI base, BudgetStore store, java.util.function.Consumer<RetryBudget> sharedBudgets) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(name())).timeout(Duration.ofSeconds(5)).build();
        Call once = () -> jdk.send(request, BodyHandlers.discarding()).statusCode() == 200;
        return switch (this) {
            case NO_RETRY -> once;
            case RESILIENCE4J -> r4j(name(), status(jdk, request));
            case FAILSAFE -> {
                FailsafeExecutor<Integer> failsafe = Failsafe.with(dev.failsafe.RetryPolicy.<Integer>builder()
                        .handle(IOException.class).handleResultIf(code -> code >= 500).withMaxAttempts(MAX_ATTEMPTS)
                        .withBackoff(INITIAL, Duration.ofSeconds(1)).build());
                yield () -> failsafe.get(() -> jdk.send(request, BodyHandlers.discarding()).statusCode()) == 200;
            }
            case ENDURE_NO_BUDGET -> endure(endureClient(jdk).build(), request);
            case ENDURE_DEFAULT_BUDGET -> endure(endureClient(jdk).retryBudgetPerHost(RetryBudgetPolicy.named("storm")).build(), request);
            case ENDURE_SHARED_BUDGET -> {
                // Made when the service starts, as a service would for the downstream it knows, not on the first call.
                RetryBudget budget = shared(store, "storm", sharedBudgets);
                yield endure(endureClient(jdk).retryGatePerHost(host -> budget).build(), request);
            }
            case NESTED_RESILIENCE4J -> {
                Status inner = r4jStatus("inner", status(jdk, request));
                Status middle = r4jStatus("middle", inner);
                yield r4j("outer", middle);
            }
            case NESTED_ENDURE -> nestedEndure(endureClient(jdk).build(), request, null);
            case NESTED_ENDURE_SHARED_BUDGET -> {
                RetryBudget inner = shared(store, "storm-nested-client", sharedBudgets);
                yield nestedEndure(endureClient(jdk).retryGatePerHost(host -> inner).build(), request,
                        shared(store, "storm-nested-outer", sharedBudgets));
            }
        };
    }

    /** The status of one exchange. */
    interface Status {
        int get() throws Exception;
    }

    private static Status status(HttpClient jdk, HttpRequest request) {
        return () -> jdk.send(request, BodyHandlers.discarding()).statusCode();
    }

    private static Status r4jStatus(String name, Status inner) {
        Retry retry = Retry.of(name, RetryConfig.<Integer>custom().maxAttempts(MAX_ATTEMPTS)
                .intervalFunction(IntervalFunction.ofExponentialBackoff(INITIAL.toMillis(), 2))
                .retryOnResult(code -> code >= 500).retryExceptions(IOException.class).build());
        return () -> {
            try {
                return Retry.decorateCheckedSupplier(retry, inner::get).get();
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable other) {
                throw new IllegalStateException(other);
            }
        };
    }

    private static Call r4j(String name, Status inner) {
        Status retried = r4jStatus(name, inner);
        return () -> retried.get() == 200;
    }

    private static ResilientHttpClient.Builder endureClient(HttpClient jdk) {
        return ResilientHttpClient.builder(jdk).name("storm").maxAttempts(MAX_ATTEMPTS).backoff(Backoff.exponential(INITIAL, 2.0));
    }

    private static RetryBudget shared(BudgetStore store, String name, java.util.function.Consumer<RetryBudget> sharedBudgets) {
        RetryBudget budget = RetryBudget.shared(RetryBudgetPolicy.named(name), store);
        sharedBudgets.accept(budget);
        return budget;
    }

    private static Call endure(ResilientHttpClient client, HttpRequest request) {
        return () -> client.send(request, BodyHandlers.discarding()).statusCode() == 200;
    }

    private static Call nestedEndure(ResilientHttpClient client, HttpRequest request, RetryBudget outerBudget) {
        Retrier<Integer> middle = Retrier.builder(layer("middle")).build();
        Retrier.Builder<Integer> outer = Retrier.builder(layer("outer"));
        if (outerBudget != null) {
            outer.gate(outerBudget);
        }
        Retrier<Integer> outerRetrier = outer.build();
        return () -> outerRetrier.call(() -> middle.call(() -> client.send(request, BodyHandlers.discarding()).statusCode())) == 200;
    }

    private static RetryPolicy<Integer> layer(String name) {
        return RetryPolicy.<Integer>builder().name(name).maxAttempts(MAX_ATTEMPTS).backoff(Backoff.exponential(INITIAL, 2.0))
                .retryOn(IOException.class).retryOnResult(code -> code >= 500).build();
    }
}
