package dev.endure.http;

import static dev.endure.http.ScriptedServer.respond;
import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.retry.Backoff;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The one test in this module on real time (about 1 s): with the system clock and scheduler, the
 * retry reaches the server no earlier than {@code Retry-After: 1} after the server sent its 503, as
 * measured by the server's own clock (dotnet/extensions#7001 retried 11 ms early; we must not).
 */
class RetryAfterRealTimeTest {

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void neverRetriesEarlierThanRetryAfterOnTheServersClock() throws Exception {
        AtomicLong throttledAt = new AtomicLong();
        try (ScriptedServer server = ScriptedServer.start()) {
            server.then(exchange -> {
                respond(503, "", "Retry-After", "1").answer(exchange);
                // the moment the answer left the server: the wait is measured from here
                throttledAt.set(System.nanoTime());
            }, respond(200, "ok"));
            ResilientHttpClient client = ResilientHttpClient.builder(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build())
                    .name("real-time").backoff(Backoff.fixed(Duration.ofMillis(10))).build();

            String body = client.send(HttpRequest.newBuilder(server.uri("/")).build(), BodyHandlers.ofString()).body();

            assertThat(body).isEqualTo("ok");
            assertThat(server.received()).hasSize(2);
            long gapNanos = server.received().get(1).arrivalNanos() - throttledAt.get();
            System.out.printf("retry arrived %.1f ms after the 503 with Retry-After: 1 left the server%n", gapNanos / 1e6);
            assertThat(Duration.ofNanos(gapNanos)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        }
    }
}
