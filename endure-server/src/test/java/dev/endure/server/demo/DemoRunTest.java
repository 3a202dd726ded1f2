package dev.endure.server.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo end to end: real server, real receivers, every delivery accounted for. */
class DemoRunTest {

    @TempDir
    Path dataDir;

    @Test
    void demoAccountsForEveryDeliveryAndDisablesTheEndpointsSeed003Names() throws Exception {
        java.io.StringWriter printed = new java.io.StringWriter();
        DemoReport report;
        try (DemoRun demo = DemoRun.start(dataDir, 0, new java.io.PrintWriter(printed, true))) {
            report = demo.run(60, Duration.ofSeconds(50));
        }
        int endpoints = DemoReceivers.Behaviour.values().length;
        assertThat(report.deliveries()).isEqualTo(60 * endpoints);
        assertThat(report.lost()).as("report:%n%s", report.render()).isZero();
        assertThat(report.badSignatures()).isZero();
        assertThat(report.stillPending()).isZero();
        assertThat(report.delivered() + report.failed() + report.held()).isEqualTo(report.deliveries());
        // gone answers 410: disabled at once; broken answers 500 always: the failure-rate rule disables it.
        assertThat(report.disabledEndpoints()).containsOnlyKeys("gone", "broken");
        assertThat(report.disabledEndpoints().get("gone")).contains("HTTP 410");
        assertThat(report.disabledEndpoints().get("broken")).contains("failure rate");
        // flaky, throttled and slow recover through retries; fine fails every 25th message with a 400, never retried.
        assertThat(report.deliveredAfterRetries()).isPositive();
        assertThat(report.retriesScheduled()).isGreaterThanOrEqualTo(report.deliveredAfterRetries());
        assertThat(report.failed()).isEqualTo(2);
        assertThat(report.failureReasons()).containsOnlyKeys("HTTP 400 on attempt 1");
        assertThat(report.delivered()).isEqualTo(60 * 4 - 2);
        assertThat(report.render()).contains("lost            0").contains("Dashboard: http://127.0.0.1:");
    }
}
