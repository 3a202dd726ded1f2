package dev.endure.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.endure.Classifier;
import dev.endure.RetryAfterHint;
import dev.endure.VirtualTime;
import dev.endure.observe.testlog.CapturingProvider;
import dev.endure.observe.testlog.CapturingProvider.Captured;
import dev.endure.retry.Backoff;
import dev.endure.retry.RetriesExhaustedException;
import dev.endure.retry.Retrier;
import dev.endure.retry.RetryPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** The retry log events, read back from a real SLF4J provider with their key-value pairs. */
class RetryLogListenerTest {

    private static final Set<Integer> RETRY_STATUSES = Set.of(408, 429, 500, 502, 503, 504);

    @BeforeEach
    void clear() {
        CapturingProvider.clear();
        CapturingProvider.threshold(Level.TRACE);
    }

    @AfterEach
    void resetThreshold() {
        CapturingProvider.threshold(Level.TRACE);
    }

    private static List<Captured> events(String message) {
        return CapturingProvider.events().stream().filter(event -> message.equals(event.message())).toList();
    }

    @Test
    void logsEachBillingRetryLikeSeed004() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger requests = new AtomicInteger();
        server.createContext("/provider", exchange -> {
            int status = requests.incrementAndGet() <= 2 ? 500 : 201;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        HttpClient client = HttpClient.newHttpClient();
        try {
            RetryPolicy<HttpResponse<Void>> policy = RetryPolicy.<HttpResponse<Void>>builder().name("billing")
                    .maxAttempts(4)
                    .backoff(Backoff.exponential(Duration.ofMillis(500), 2.0))
                    .classifier(Classifier.<HttpResponse<Void>>builder()
                            .retryOn(IOException.class)
                            .retryOnResult(response -> RETRY_STATUSES.contains(response.statusCode()))
                            .build())
                    .build();
            Retrier<HttpResponse<Void>> retrier = Retrier.builder(policy).time(new VirtualTime()).build();
            RetryLogListener.builder().logger(LoggerFactory.getLogger("billing"))
                    .eventName("billing_service_retry").build().attachTo(retrier);
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/provider");

            HttpResponse<Void> response = retrier.get(() -> {
                try {
                    return client.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()).build(),
                            HttpResponse.BodyHandlers.discarding());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });

            assertThat(response.statusCode()).isEqualTo(201);
        } finally {
            server.stop(0);
        }

        List<Captured> retries = events("billing_service_retry");
        assertThat(retries).hasSize(2);
        assertThat(retries).allSatisfy(event -> {
            assertThat(event.logger()).isEqualTo("billing");
            assertThat(event.level()).isEqualTo(Level.INFO);
            assertThat(event.value("event")).isEqualTo("billing_service_retry");
            assertThat(event.value("policy")).isEqualTo("billing");
            assertThat(event.value("max_attempts")).isEqualTo(4);
            assertThat(event.value("status")).isEqualTo(500);
        });
        assertThat(retries).extracting(event -> event.value("attempt")).containsExactly(1, 2);
        assertThat(retries).extracting(event -> event.value("delay_ms")).containsExactly(500L, 1000L);
        assertThat(retries.get(0).keys()).containsExactly("event", "policy", "attempt", "max_attempts", "delay_ms",
                "elapsed_ms", "reason", "status");
        assertThat(events("billing_service_retry_exhausted")).isEmpty();
    }

    @Test
    void logsTheSqlStateFromAnywhereInTheCauseChain() {
        Retrier<Object> retrier = Retrier.builder(RetryPolicy.builder().name("Reserve Units").maxAttempts(2)
                .backoff(Backoff.fixed(Duration.ofMillis(10))).build()).time(new VirtualTime()).build();
        RetryLogListener.builder().build().attachTo(retrier);
        SQLException serialization = new SQLException("ERROR: could not serialize access", "40001", 0);

        assertThatThrownBy(() -> retrier.get(() -> {
            throw new IllegalStateException("transaction failed", serialization);
        })).isInstanceOf(RetriesExhaustedException.class);

        Captured retry = events("reserve_units_retry").get(0);
        assertThat(retry.logger()).isEqualTo("dev.endure.retry");
        assertThat(retry.value("sql_state")).isEqualTo("40001");
        assertThat(retry.value("error_code")).isEqualTo(0);
        assertThat(retry.value("exception")).isEqualTo(IllegalStateException.class.getName());
        assertThat(retry.value("status")).isNull();

        Captured gaveUp = events("reserve_units_retry_exhausted").get(0);
        assertThat(gaveUp.level()).isEqualTo(Level.WARN);
        assertThat(gaveUp.value("attempts")).isEqualTo(2);
        assertThat(gaveUp.value("give_up_reason")).isEqualTo("max_attempts");
        assertThat(gaveUp.value("sql_state")).isEqualTo("40001");
        assertThat((String) gaveUp.value("reason")).contains("transaction failed");
    }

    @Test
    void neverLogsSecretsFromFailureMessages() {
        Retrier<Object> retrier = Retrier.builder(RetryPolicy.builder().name("db").maxAttempts(2)
                .backoff(Backoff.none()).build()).time(new VirtualTime()).build();
        RetryLogListener.builder().build().attachTo(retrier);

        assertThatThrownBy(() -> retrier.get(() -> {
            throw new IllegalStateException("cannot connect to postgresql://app:hunter2@db:5432/main?password=hunter2"
                    + "&sslmode=require; Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc; api_key=AKIA1234; whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2");
        })).isInstanceOf(RetriesExhaustedException.class);

        assertThat(CapturingProvider.events()).isNotEmpty().allSatisfy(event -> assertThat(event.toString())
                .doesNotContain("hunter2", "eyJhbGciOiJIUzI1NiJ9", "AKIA1234", "MfKQ9r8GKYqrTwjUPD8ILPZIo2")
                .contains("postgresql://app:****@db:5432"));
    }

    @Test
    void logsTheRetryAfterHintTheOtherSideGave() {
        Retrier<Object> retrier = Retrier.builder(RetryPolicy.builder().name("rate-limited").maxAttempts(2)
                .backoff(Backoff.fixed(Duration.ofMillis(100))).build()).time(new VirtualTime()).build();
        RetryLogListener.builder().build().attachTo(retrier);
        AtomicInteger attempts = new AtomicInteger();

        retrier.get(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new Throttled(Duration.ofSeconds(3));
            }
            return "ok";
        });

        Captured retry = events("rate_limited_retry").get(0);
        assertThat(retry.value("retry_after_ms")).isEqualTo(3000L);
        assertThat(retry.value("delay_ms")).isEqualTo(3000L);
    }

    @Test
    void twoListenersOnOneRetrierBothSeeTheFailure() {
        Retrier<Object> retrier = Retrier.builder(RetryPolicy.builder().name("shared").maxAttempts(2)
                .backoff(Backoff.none()).build()).time(new VirtualTime()).build();
        RetryLogListener.builder().eventName("first").build().attachTo(retrier);
        RetryLogListener.builder().eventName("second").build().attachTo(retrier);

        assertThatThrownBy(() -> retrier.get(() -> {
            throw new IllegalStateException("down");
        })).isInstanceOf(RetriesExhaustedException.class);

        assertThat(events("first").get(0).value("exception")).isEqualTo(IllegalStateException.class.getName());
        assertThat(events("second").get(0).value("exception")).isEqualTo(IllegalStateException.class.getName());
    }

    @Test
    void logsNothingWhenTheLevelIsOff() {
        CapturingProvider.threshold(Level.ERROR);
        Retrier<Object> retrier = Retrier.builder(RetryPolicy.builder().name("quiet").maxAttempts(3)
                .backoff(Backoff.none()).build()).time(new VirtualTime()).build();
        RetryLogListener.builder().build().attachTo(retrier);

        assertThatThrownBy(() -> retrier.get(() -> {
            throw new IllegalStateException("down");
        })).isInstanceOf(RetriesExhaustedException.class);

        assertThat(CapturingProvider.events()).isEmpty();
    }

    /** A failure that says when to come back, as a 429 with Retry-After would. */
    static final class Throttled extends RuntimeException implements RetryAfterHint {
        private static final long serialVersionUID = 1L;
        private final Duration after;

        Throttled(Duration after) {
            super("throttled");
            this.after = after;
        }

        @Override
        public Optional<Duration> retryAfter() {
            return Optional.of(after);
        }
    }
}
