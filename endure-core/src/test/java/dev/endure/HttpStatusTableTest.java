package dev.endure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HttpStatusTableTest {

    private final HttpStatusTable table = HttpStatusTable.defaults();

    @ParameterizedTest(name = "HTTP {0}: {1}")
    @CsvSource({
        "200, SUCCESS", "204, SUCCESS", "302, SUCCESS",
        "400, FAIL", "401, FAIL", "404, FAIL", "410, FAIL", "422, FAIL", "501, FAIL",
        "408, RETRY", "429, RETRY", "500, RETRY", "502, RETRY", "503, RETRY", "504, RETRY"})
    void retriesServerErrorsButNotClientErrors(int status, Verdict.Kind kind) {
        assertThat(table.verdict(status, null).kind()).isEqualTo(kind);
        assertThat(table.verdict(status, null).reason()).isEqualTo(status >= 400 ? java.util.Optional.of("HTTP " + status)
                : java.util.Optional.empty());
    }

    @Test
    void throttlingStatusesHonourRetryAfterOthersDoNot() {
        assertThat(table.verdict(429, Duration.ofSeconds(7))).isEqualTo(Verdict.retryAfter(Duration.ofSeconds(7), "HTTP 429, Retry-After 7 s"));
        assertThat(table.verdict(503, Duration.ofSeconds(2)).hint()).contains(Duration.ofSeconds(2));
        assertThat(table.verdict(500, Duration.ofSeconds(2))).isEqualTo(Verdict.retry("HTTP 500"));
        assertThat(table.verdict(400, Duration.ofSeconds(2))).isEqualTo(Verdict.fail("HTTP 400"));
    }

    @Test
    void onlyServerErrorsCountAgainstABreaker() {
        for (int status : new int[] {400, 404, 408, 409, 429}) {
            assertThat(table.countsAgainstBreaker(status)).as("HTTP %d", status).isFalse();
            assertThat(table.breakerVerdict(status).isFailure()).isFalse();
        }
        for (int status : new int[] {500, 501, 503, 599}) {
            assertThat(table.breakerVerdict(status)).isEqualTo(Verdict.fail("HTTP " + status));
        }
        assertThat(table.breakerVerdict(200)).isSameAs(Verdict.success());
    }

    @Test
    void webhooksDisableTheirTargetOn404And410AndOtherwiseAgree() {
        HttpStatusTable webhooks = HttpStatusTable.webhooks();
        assertThat(webhooks.verdict(404, null)).isEqualTo(Verdict.disableTarget("HTTP 404"));
        assertThat(webhooks.verdict(410, null).kind()).isEqualTo(Verdict.Kind.DISABLE_TARGET);
        assertThat(webhooks.verdict(501, null).kind()).isEqualTo(Verdict.Kind.RETRY); // seed 003 retries every 5xx
        assertThat(webhooks.verdict(301, null)).isEqualTo(Verdict.fail("HTTP 301")); // redirects are not followed
        assertThat(table.verdict(301, null)).isSameAs(Verdict.success());
        assertThat(webhooks.breakerStatuses()).isEqualTo(table.breakerStatuses());
    }

    @Test
    void verdictsWithoutAHintAreNotAllocatedPerCall() {
        assertThat(table.verdict(503, null)).isSameAs(table.verdict(503, null));
    }

    @Test
    void refusesStatusesThatAreNoFailures() {
        assertThatThrownBy(() -> HttpStatusTable.builder().retryStatuses(200))
                .hasMessage("retryStatuses must hold error statuses, 400 or above (was 200): a 200 is an answer, not a failure");
        assertThatThrownBy(() -> HttpStatusTable.builder().disableStatuses(700)).hasMessageContaining("disableStatuses").hasMessageContaining("700");
    }
}
