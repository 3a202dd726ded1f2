package dev.endure.http;

import static dev.endure.http.ScriptedServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.endure.retry.Backoff;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A concurrency limit per host from endure-core, outside the host's breaker, around every attempt. */
class ConcurrencyLimitPerHostTest {

    final VirtualTime time = new VirtualTime();
    ScriptedServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    ResilientHttpClient.Builder client() {
        return ResilientHttpClient.builder(BreakerAndBudgetTest.JDK).name("inventory").time(time).backoff(Backoff.fixed(Duration.ofMillis(500)));
    }

    @Test
    void anAttemptFindingTheHostsLimitFullIsRetriedOnceASlotIsFree() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(200, "in stock"));
        ConcurrencyLimit limit = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("inventory", 1).build(), time);
        long held = limit.acquire(); // another caller's attempt to the same host
        time.schedule(() -> limit.release(held), Duration.ofMillis(100).toNanos());
        ResilientHttpClient client = client().concurrencyLimitPerHost(host -> limit).build();

        String body = client.send(HttpRequest.newBuilder(server.uri("/stock/42")).build(), BodyHandlers.ofString()).body();

        assertThat(body).isEqualTo("in stock");
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(500));
        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(limit.rejections()).isEqualTo(1);
        assertThat(limit.inFlight()).isZero();
    }

    @Test
    void throttlingResponsesShrinkTheHostsAdaptiveLimitAndClientErrorsDoNot() throws Exception {
        server = ScriptedServer.start().then(respond(404), respond(404), respond(404), respond(404))
                .otherwise(request -> respond(429));
        ResilientHttpClient client = client().maxAttempts(1)
                .concurrencyLimitPerHost(ConcurrencyLimitPolicy.adaptive("ignored").initialLimit(4).minWindowSamples(1).build()).build();
        HttpRequest get = HttpRequest.newBuilder(server.uri("/stock/42")).build();

        for (int i = 0; i < 4; i++) {
            assertThat(client.send(get, BodyHandlers.discarding()).statusCode()).isEqualTo(404);
        }
        ConcurrencyLimit limit = client.concurrencyLimit(get.uri()).orElseThrow();
        assertThat(limit.name()).isEqualTo("inventory@127.0.0.1:" + server.port());
        assertThat(limit.limit()).isEqualTo(4);

        for (int i = 0; i < 4; i++) {
            assertThat(client.send(get, BodyHandlers.discarding()).statusCode()).isEqualTo(429);
        }
        assertThat(limit.limit()).isEqualTo(3); // 4 × 0.9, rounded down
        assertThat(limit.inFlight()).isZero();
    }

    @Test
    void refusesSettingTheLimitTwice() {
        assertThatThrownBy(() -> client().concurrencyLimitPerHost(ConcurrencyLimitPolicy.fixed("a", 2).build())
                .concurrencyLimitPerHost(host -> ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("b", 2).build())).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("concurrencyLimitPerHost set 2 times");
    }
}
