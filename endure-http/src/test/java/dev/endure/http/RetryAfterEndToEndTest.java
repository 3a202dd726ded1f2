package dev.endure.http;

import static dev.endure.http.ScriptedServer.respond;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import dev.endure.retry.Backoff;
import dev.endure.retry.GiveUpReason;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Retry-After from a real server, read against the client's (virtual) clock: a floor, capped, or a reason to stop. */
class RetryAfterEndToEndTest {

    static final HttpClient JDK = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final Instant START = Instant.parse("2026-03-01T12:00:00Z");

    final VirtualTime time = new VirtualTime(START);
    ScriptedServer server;

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    ResilientHttpClient.Builder client() {
        return ResilientHttpClient.builder(JDK).name("rates").time(time).backoff(Backoff.exponential(Duration.ofMillis(500), 2.0));
    }

    HttpRequest get() {
        return HttpRequest.newBuilder(server.uri("/rates")).GET().build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM ppd HH:mm:ss yyyy"})
    void waitsUntilAnHttpDateInEachOfItsThreeForms(String form) throws Exception {
        String sevenSecondsAhead = DateTimeFormatter.ofPattern(form, Locale.US).withZone(ZoneOffset.UTC).format(START.plusSeconds(7));
        server = ScriptedServer.start().then(respond(503, "", "Retry-After", sevenSecondsAhead), respond(200, "ok"));

        assertThat(client().build().send(get(), BodyHandlers.ofString()).body()).isEqualTo("ok");

        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(7));
    }

    @Test
    void capsAnExcessiveRetryAfterAtTheConfiguredMaximumWhenClampingIsChosen() throws Exception {
        server = ScriptedServer.start().then(respond(429, "", "Retry-After", "86400"), respond(200, "ok"));

        client().maxRetryAfter(Duration.ofSeconds(10)).clampRetryAfter().build().send(get(), BodyHandlers.ofString());

        assertThat(time.sleeps()).containsExactly(Duration.ofSeconds(10));
    }

    @Test
    void neverRetriesEarlierThanARetryAfterBeyondTheCapButGivesUpNamingIt() throws Exception {
        server = ScriptedServer.start().then(respond(503, "", "Retry-After", "90"), respond(200, "ok"));

        assertThatThrownBy(() -> client().build().send(get(), BodyHandlers.ofString()))
                .isInstanceOfSatisfying(HttpRetriesExhaustedException.class, exhausted -> {
                    assertThat(exhausted.reason()).isEqualTo(GiveUpReason.HINT_EXCEEDS_MAX_RETRY_AFTER);
                    assertThat(exhausted.attempts()).isEqualTo(1);
                    assertThat(exhausted).hasMessageContaining("Retry-After of 90 s is longer than the client's maxRetryAfter");
                });
        assertThat(time.sleeps()).isEmpty();
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    void givesUpAtOnceWhenRetryAfterEndsPastTheDeadline() throws Exception {
        server = ScriptedServer.start().then(respond(503, "", "Retry-After", "30"), respond(200, "ok"));
        ResilientHttpClient client = client().maxDuration(Duration.ofSeconds(5)).build();

        assertThatThrownBy(() -> client.send(get(), BodyHandlers.ofString()))
                .isInstanceOfSatisfying(HttpRetriesExhaustedException.class, exhausted -> {
                    assertThat(exhausted.reason()).isEqualTo(GiveUpReason.HINT_EXCEEDS_DEADLINE);
                    assertThat(exhausted.attempts()).isEqualTo(1);
                    assertThat(exhausted).hasMessageContaining("Retry-After of 30 s ends past the max duration")
                            .hasMessageContaining("last outcome: HTTP 503 (Retry-After: '30')");
                });
        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(time.sleeps()).isEmpty();
    }

    @Test
    void ignoresGarbagePastAndNegativeValuesUsesTheBackoffAndWarnsOnce() throws Exception {
        server = ScriptedServer.start().then(
                respond(503, "", "Retry-After", "soon"),
                respond(503, "", "Retry-After", "-3"),
                respond(503, "", "Retry-After", "Sun, 01 Mar 2026 11:00:00 GMT"),
                respond(200, "ok"));
        List<LogRecord> warnings = new CopyOnWriteArrayList<>();
        Logger logger = Logger.getLogger(ResilientHttpClient.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        logger.addHandler(capture);
        try {
            assertThat(client().build().send(get(), BodyHandlers.ofString()).body()).isEqualTo("ok");
        } finally {
            logger.removeHandler(capture);
        }

        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).getMessage()).contains("ignoring Retry-After 'soon' on HTTP 503 from GET " + server.uri("/rates"))
                .contains("not delta-seconds or an HTTP-date").contains("further unusable values are logged at DEBUG");
    }
}
