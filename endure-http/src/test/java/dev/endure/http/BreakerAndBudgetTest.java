package dev.endure.http;

import static dev.endure.http.ScriptedServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CallNotPermittedException;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.budget.RetryBudgetPolicy;
import dev.endure.retry.Backoff;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-host retry budgets and circuit breakers from endure-core, wired into every attempt. */
class BreakerAndBudgetTest {

    static final HttpClient JDK = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** One retry per 10 s window and no share of calls: the second retry in a window is refused. */
    static final RetryBudgetPolicy ONE_RETRY = RetryBudgetPolicy.builder()
            .maxRetryRatio(0).minRetriesPerSecond(0.1).window(Duration.ofSeconds(10)).build();

    final VirtualTime time = new VirtualTime();
    final List<String> log = new ArrayList<>();
    ScriptedServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    ResilientHttpClient.Builder client() {
        return ResilientHttpClient.builder(JDK).name("inventory").time(time).backoff(Backoff.fixed(Duration.ofMillis(500)))
                .listener(HttpRetryLogger.to("inventory", log::add));
    }

    @Test
    void budgetExhaustionHandsTheCallerTheOriginalResponse() throws Exception {
        server = ScriptedServer.start().then(respond(503), respond(200, "first"), respond(503, "{\"error\":\"busy\"}"), respond(200));
        ResilientHttpClient client = client().retryBudgetPerHost(ONE_RETRY).build();
        HttpRequest get = HttpRequest.newBuilder(server.uri("/stock/42")).build();

        assertThat(client.send(get, BodyHandlers.ofString()).body()).isEqualTo("first");

        // one outcome shape for a failing host (issue 13 item 5): a refused retry ends like running out of
        // attempts, with the very response the server sent, body included, and no third request
        assertThatThrownBy(() -> client.send(get, BodyHandlers.ofString()))
                .isInstanceOfSatisfying(HttpRetriesExhaustedException.class, refused -> {
                    assertThat(refused.reason()).isEqualTo(dev.endure.retry.GiveUpReason.RETRY_BUDGET);
                    assertThat(refused.lastResponse().orElseThrow().statusCode()).isEqualTo(503);
                    assertThat(new String(refused.lastResponse().orElseThrow().body())).isEqualTo("{\"error\":\"busy\"}");
                });
        assertThat(server.requestCount()).isEqualTo(3);
        assertThat(client.stats(get.uri()).orElseThrow().budgetRejected()).isEqualTo(1);
        assertThat(log).last().asString().startsWith("inventory_retry_refused policy=inventory@127.0.0.1:" + server.port()
                + " attempts=1 elapsed=0 why=retry_budget status=503");
    }

    @Test
    void budgetExhaustionSurfacesTheOriginalError() {
        ResilientHttpClient client = client().maxAttempts(2).retryBudgetPerHost(ONE_RETRY).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:1/stock/42")).build();

        // the first call spends the host's only retry...
        assertThatThrownBy(() -> client.send(get, BodyHandlers.ofString())).isInstanceOf(HttpRetriesExhaustedException.class);
        // ...so the second ends the same way, with the budget as the reason (one outcome shape, issue 13 item 5)
        assertThatThrownBy(() -> client.send(get, BodyHandlers.ofString())).isInstanceOfSatisfying(HttpRetriesExhaustedException.class,
                refused -> assertThat(refused.reason()).isEqualTo(dev.endure.retry.GiveUpReason.RETRY_BUDGET))
                .hasMessageContaining("the retry budget refused the retry").hasMessageContaining("connection refused");
        assertThatThrownBy(() -> client.sendAsync(get, BodyHandlers.ofString()).join())
                .hasCauseExactlyInstanceOf(HttpRetriesExhaustedException.class);
    }

    @Test
    void budgetsArePerHost() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(503));
        ResilientHttpClient client = client().maxAttempts(2).retryBudgetPerHost(ONE_RETRY).build();

        assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:1/")).build(), BodyHandlers.ofString()))
                .isInstanceOf(HttpRetriesExhaustedException.class);
        // another host still has its own retry
        assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString()))
                .isInstanceOf(HttpRetriesExhaustedException.class);
        assertThat(server.requestCount()).isEqualTo(2);
    }

    @Test
    void anOpenBreakersRemainingTimeIsAFloorForTheNextRetry() throws Exception {
        server = ScriptedServer.start().then(respond(503), respond(503), respond(200, "back"));
        ResilientHttpClient client = client().circuitBreakerPerHost(CircuitBreakerPolicy.builder()
                .consecutiveFailures(2).openDuration(Duration.ofSeconds(30)).halfOpenSuccesses(1).build()).build();
        HttpRequest get = HttpRequest.newBuilder(server.uri("/stock/42")).build();

        HttpResponse<String> response = client.send(get, BodyHandlers.ofString());

        assertThat(response.body()).isEqualTo("back");
        // 503 at 0 s, 503 at 0.5 s opens the breaker until 30.5 s; the attempt at 1 s is rejected without a
        // request and the retry waits out the breaker (29.5 s), then the trial call closes it again
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(500), Duration.ofMillis(500), Duration.ofMillis(29_500));
        assertThat(server.requestCount()).isEqualTo(3);
        assertThat(client.circuitBreaker(get.uri()).orElseThrow().state()).isEqualTo(BreakerState.CLOSED);
        assertThat(log).anySatisfy(line -> assertThat(line).startsWith("inventory_retry policy=inventory@127.0.0.1:" + server.port()
                + " attempt=3 error=").contains("delay=29.5").contains("is OPEN"));
    }

    @Test
    void clientErrorsDoNotOpenTheBreaker() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(404));
        ResilientHttpClient client = client().circuitBreakerPerHost(CircuitBreakerPolicy.builder().consecutiveFailures(2).build()).build();
        HttpRequest get = HttpRequest.newBuilder(server.uri("/stock/missing")).build();

        for (int i = 0; i < 5; i++) {
            assertThat(client.send(get, BodyHandlers.discarding()).statusCode()).isEqualTo(404);
        }

        assertThat(client.circuitBreaker(get.uri()).orElseThrow().state()).isEqualTo(BreakerState.CLOSED);
        assertThat(server.requestCount()).isEqualTo(5);
    }

    @Test
    void anOpenBreakerRejectsANonIdempotentCallAtOnce() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(500));
        ResilientHttpClient client = client().maxAttempts(1).circuitBreakerPerHost(CircuitBreakerPolicy.builder()
                .consecutiveFailures(1).openDuration(Duration.ofMinutes(1)).build()).build();
        HttpRequest post = HttpRequest.newBuilder(server.uri("/orders")).POST(HttpRequest.BodyPublishers.ofString("{}")).build();

        assertThat(client.send(post, BodyHandlers.discarding()).statusCode()).isEqualTo(500);
        // one checked IOException for every method (issue 13 item 4), naming the breaker, not a Retry-After
        assertThatThrownBy(() -> client.send(post, BodyHandlers.discarding()))
                .isInstanceOfSatisfying(HttpBreakerOpenException.class, open -> {
                    assertThat(open.state()).isEqualTo(BreakerState.OPEN);
                    assertThat(open.attempts()).isZero();
                    assertThat(open.retryAfter()).isPresent();
                }).hasMessageContaining("POST " + server.uri("/orders") + " not sent: circuit breaker 'inventory@127.0.0.1:")
                .hasMessageContaining("is OPEN").hasMessageNotContaining("Retry-After")
                .hasCauseInstanceOf(CallNotPermittedException.class);
        HttpRequest get = HttpRequest.newBuilder(server.uri("/orders")).build();
        assertThatThrownBy(() -> client.send(get, BodyHandlers.discarding())).isInstanceOf(HttpBreakerOpenException.class);
        assertThatThrownBy(() -> client.sendAsync(post, BodyHandlers.discarding()).join())
                .hasCauseInstanceOf(HttpBreakerOpenException.class);
        assertThat(server.requestCount()).isEqualTo(1);
        // refusals are not attempts: one request reached the host
        assertThat(client.stats(post.uri()).orElseThrow().attempts()).isEqualTo(1);
    }

    @Test
    void aRetryThatMeetsTheOpenBreakerPastTheDeadlineEndsAsTheSameBreakerError() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(503));
        ResilientHttpClient client = client().maxDuration(Duration.ofSeconds(10)).circuitBreakerPerHost(CircuitBreakerPolicy.builder()
                .consecutiveFailures(2).openDuration(Duration.ofMinutes(1)).build()).build();
        HttpRequest get = HttpRequest.newBuilder(server.uri("/stock/42")).build();

        assertThatThrownBy(() -> client.send(get, BodyHandlers.discarding()))
                .isInstanceOfSatisfying(HttpBreakerOpenException.class, open -> assertThat(open.attempts()).isEqualTo(2))
                .hasMessageNotContaining("Retry-After");
        assertThat(server.requestCount()).isEqualTo(2);
        assertThat(log).noneSatisfy(line -> assertThat(line).contains("I/O failure"));
    }

    @Test
    void aCallThatFindsTheTrialSlotTakenFailsNowInsteadOfWaitingOutItsDeadline() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(200));
        ResilientHttpClient client = client().maxDuration(Duration.ofSeconds(3)).circuitBreakerPerHost(CircuitBreakerPolicy.builder()
                .consecutiveFailures(1).openDuration(Duration.ofSeconds(1)).halfOpenMaxTrials(1).build()).build();
        HttpRequest get = HttpRequest.newBuilder(server.uri("/stock/42")).build();
        client.send(get, BodyHandlers.discarding()); // makes the host's breaker
        dev.endure.breaker.CircuitBreaker breaker = client.circuitBreaker(get.uri()).orElseThrow();
        breaker.acquirePermission().recordFailure(0);
        time.advance(Duration.ofSeconds(1));
        dev.endure.breaker.CircuitBreaker.Permit trial = breaker.acquirePermission(); // another caller's trial, in flight

        assertThatThrownBy(() -> client.send(get, BodyHandlers.discarding()))
                .isInstanceOfSatisfying(HttpBreakerOpenException.class, open -> assertThat(open.state()).isEqualTo(BreakerState.HALF_OPEN));
        assertThat(time.sleeps()).as("no waiting for a slot whose release nobody knows").isEmpty();
        trial.release();
    }

    @Test
    void refusesConflictingPerHostSettings() {
        assertThatThrownBy(() -> client().retryBudgetPerHost(ONE_RETRY).retryGatePerHost(host -> dev.endure.retry.RetryGate.unlimited()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("set 2 times");
        assertThatThrownBy(() -> client().circuitBreakerPerHost(CircuitBreakerPolicy.builder().build())
                .circuitBreakerPerHost(CircuitBreakerPolicy.builder().build()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("circuitBreakerPerHost set 2 times");
    }
}
