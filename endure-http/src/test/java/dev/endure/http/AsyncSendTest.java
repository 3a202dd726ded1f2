package dev.endure.http;

import static dev.endure.http.ScriptedServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * sendAsync: many calls in flight at once, each retried on its own schedule, with no thread blocked while
 * waiting. The waits are virtual and run when the test moves the clock; the HTTP is real.
 */
class AsyncSendTest {

    static final HttpClient JDK = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final VirtualTime time = new VirtualTime();
    ScriptedServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    ResilientHttpClient.Builder client() {
        return ResilientHttpClient.builder(JDK).name("search").time(time).backoff(Backoff.fixed(Duration.ofMillis(500)));
    }

    /** Moves virtual time until every future is done; bounded in real time by Awaitility. */
    void pumpUntilDone(List<? extends CompletableFuture<?>> futures) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> {
            time.runUntilIdle(100_000);
            return futures.stream().allMatch(CompletableFuture::isDone);
        });
    }

    @Test
    void retriesManyConcurrentCallsEachToItsOwnSuccess() throws Exception {
        // Each call's first request fails (503 or 502), its second succeeds with its own id.
        ConcurrentHashMap<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        server = ScriptedServer.start().otherwise(request -> {
            String id = request.header("X-Call");
            int arrival = seen.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
            return arrival == 1 ? respond(id.hashCode() % 2 == 0 ? 503 : 502) : respond(200, "result-" + id);
        });
        ResilientHttpClient client = client().build();
        int calls = 100;

        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            HttpRequest request = HttpRequest.newBuilder(server.uri("/search?q=" + i)).header("X-Call", "c" + i).build();
            futures.add(client.sendAsync(request, BodyHandlers.ofString()));
        }
        pumpUntilDone(futures);

        for (int i = 0; i < calls; i++) {
            HttpResponse<String> response = futures.get(i).join();
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("result-c" + i);
        }
        assertThat(server.requestCount()).isEqualTo(2 * calls);
        assertThat(seen.values()).allSatisfy(count -> assertThat(count).hasValue(2));
        var stats = client.stats(server.uri("/")).orElseThrow();
        assertThat(stats.successesAfterRetry()).isEqualTo(calls);
        assertThat(stats.callsWithAttempts(2)).isEqualTo(calls);
    }

    @Test
    void completesWithTheExhaustionErrorWhenRetriesRunOut() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(500, "down"));
        CompletableFuture<HttpResponse<String>> future = client().maxAttempts(3).build()
                .sendAsync(HttpRequest.newBuilder(server.uri("/search?q=x&token=t0p")).build(), BodyHandlers.ofString());

        pumpUntilDone(List.of(future));

        assertThat(future).isCompletedExceptionally();
        CompletionException thrown = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, future::join);
        assertThat(thrown.getCause()).isInstanceOfSatisfying(HttpRetriesExhaustedException.class, exhausted -> {
            assertThat(exhausted.attempts()).isEqualTo(3);
            assertThat(exhausted.lastStatus()).hasValue(500);
            assertThat(exhausted).hasMessageNotContaining("t0p").hasMessageContaining("GET " + server.uri("/search"));
        });
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aRefusedRetryKeepsTheBufferedResponseBodyInItsError() throws Exception {
        server = ScriptedServer.start().then(respond(503, "busy"));
        // a budget that refuses the retry makes the buffered 503 the final answer
        CompletableFuture<HttpResponse<String>> future = client()
                .retryGatePerHost(host -> new dev.endure.retry.RetryGate() {
                    @Override
                    public void onCall() {}

                    @Override
                    public boolean tryAcquireRetry() {
                        return false;
                    }
                })
                .build().sendAsync(HttpRequest.newBuilder(server.uri("/search")).build(), BodyHandlers.ofString());

        pumpUntilDone(List.of(future));

        // one outcome shape (issue 13 item 5): the refused retry ends as an HttpRetriesExhaustedException that
        // carries the buffered 503, body included
        assertThat(future).failsWithin(Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(HttpRetriesExhaustedException.class, refused -> {
                    assertThat(refused.lastResponse().orElseThrow().statusCode()).isEqualTo(503);
                    assertThat(new String(refused.lastResponse().orElseThrow().body())).isEqualTo("busy");
                });
    }

    @Test
    void cancellingTheCallStopsItsPendingRetry() throws Exception {
        server = ScriptedServer.start().otherwise(request -> respond(503));
        CompletableFuture<HttpResponse<String>> future = client().build()
                .sendAsync(HttpRequest.newBuilder(server.uri("/search")).build(), BodyHandlers.ofString());
        // wait (in real time, bounded) for the first answer, which schedules a retry in virtual time
        await().atMost(Duration.ofSeconds(10)).until(() -> time.pendingTasks() == 1);

        assertThat(future.cancel(true)).isTrue();
        time.runUntilIdle(100);

        assertThat(time.pendingTasks()).isZero();
        assertThat(server.requestCount()).isEqualTo(1);
        org.junit.jupiter.api.Assertions.assertThrows(CancellationException.class, future::join);
    }
}
