package dev.endure.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import org.junit.jupiter.api.Test;

class HttpRetryRulesTest {

    static final URI URL = URI.create("http://127.0.0.1:1/x");

    static HttpRequest request(String method, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URL).method(method, BodyPublishers.noBody());
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder.build();
    }

    @Test
    void retriesTheSeedsStatusesAndNoOtherError() {
        HttpRetryRules rules = HttpRetryRules.defaults();

        assertThat(rules.retryStatuses()).containsExactlyInAnyOrder(408, 429, 500, 502, 503, 504);
        for (int status = 400; status < 600; status++) {
            assertThat(rules.isRetryableStatus(status)).as("status %d", status)
                    .isEqualTo(status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504);
        }
    }

    @Test
    void mayRetryIdempotentMethodsAndKeyedRequestsOnly() {
        HttpRetryRules rules = HttpRetryRules.defaults();

        for (String method : new String[] {"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"}) {
            assertThat(rules.mayRetry(request(method))).as(method).isTrue();
        }
        assertThat(rules.mayRetry(request("POST"))).isFalse();
        assertThat(rules.mayRetry(request("PATCH"))).isFalse();
        assertThat(rules.mayRetry(request("POST", "Idempotency-Key", "8e03978e"))).isTrue();
        assertThat(rules.mayRetry(request("PATCH", "idempotency-key", "8e03978e"))).isTrue();
        assertThat(HttpRetryRules.builder().retryNonIdempotentMethods().build().mayRetry(request("POST"))).isTrue();
        assertThat(HttpRetryRules.builder().idempotencyKeyHeader("X-Request-Id").build()
                .mayRetry(request("POST", "X-Request-Id", "r-1"))).isTrue();
    }

    @Test
    void rejectsRulesThatMakeNoSenseWithAMessageNamingTheField() {
        assertThatThrownBy(() -> HttpRetryRules.builder().retryStatuses(503, 200))
                .hasMessage("retryStatuses must hold error statuses, 400 or above (was 200): a 200 is an answer, not a failure");
        assertThatThrownBy(() -> HttpRetryRules.builder().retryStatuses(700))
                .hasMessage("retryStatuses must hold HTTP statuses from 100 to 599 (was 700)");
        assertThatThrownBy(() -> HttpRetryRules.builder().retryStatuses(503).honourRetryAfterOn(429).build())
                .hasMessageContaining("honourRetryAfterOn names statuses that are not retried: [429]");
        assertThatThrownBy(() -> HttpRetryRules.builder().idempotencyKeyHeader(" ").build())
                .hasMessageContaining("idempotencyKeyHeader must not be blank");
    }
}
