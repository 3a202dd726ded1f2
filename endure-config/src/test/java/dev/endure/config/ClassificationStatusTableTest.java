package dev.endure.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.Verdict;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A status in no list means what core's one HTTP status table says; it never silently counts as a success. */
class ClassificationStatusTableTest {

    private static ClassificationConfig lists(Set<Integer> retry, Set<Integer> fail, Set<Integer> disable) {
        return new ClassificationConfig(List.of(), List.of(), retry, fail, disable);
    }

    @Test
    void anUnlistedServerErrorIsNotASuccess() {
        ClassificationConfig webhook = lists(Set.of(), Set.of(), Set.of(404, 410));

        assertThat(webhook.verdictForStatus(503)).isEqualTo(Verdict.retry("status 503"));
        assertThat(webhook.verdictForStatus(501)).isEqualTo(Verdict.fail("status 501"));
        assertThat(webhook.verdictForStatus(400)).isEqualTo(Verdict.fail("status 400"));
        assertThat(webhook.verdictForStatus(410)).isEqualTo(Verdict.disableTarget("status 410"));
        assertThat(webhook.verdictForStatus(200)).isEqualTo(Verdict.success());
    }

    @Test
    void namedRetryStatusesReplaceTheTablesRetryRow() {
        ClassificationConfig onlyThrottling = lists(Set.of(429), Set.of(), Set.of());

        assertThat(onlyThrottling.verdictForStatus(429)).isEqualTo(Verdict.retry("status 429"));
        assertThat(onlyThrottling.verdictForStatus(503)).isEqualTo(Verdict.fail("status 503"));
        assertThat(onlyThrottling.statusTable().retryStatuses()).containsExactly(429);
    }

    @Test
    void theClassifierAgreesWithTheVerdictsPerStatus() {
        ClassificationConfig config = lists(Set.of(), Set.of(502), Set.of(410));
        var classifier = config.<Integer>classifier(status -> status);

        for (int status : new int[] {200, 302, 400, 404, 410, 429, 500, 502, 503, 599}) {
            assertThat(classifier.classify(status, null)).as("status %d", status).isEqualTo(config.verdictForStatus(status));
        }
    }
}
