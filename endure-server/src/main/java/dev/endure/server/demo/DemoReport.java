package dev.endure.server.demo;

import java.time.Duration;
import java.util.Map;

/**
 * What a demo run did: messages and deliveries, how they ended, retries, endpoints disabled and why,
 * and {@code lost}: accepted deliveries the store cannot account for plus deliveries it calls
 * delivered that the receiver never acknowledged with a valid signature. It must be 0.
 */
public record DemoReport(int messages, int deliveries, long delivered, long deliveredAfterRetries, long retriesScheduled, long failed,
        Map<String, Long> failureReasons, long held, long stillPending, Map<String, String> disabledEndpoints, long lost, long badSignatures,
        Duration elapsed, String dashboardUrl) {

    public String render() {
        StringBuilder text = new StringBuilder();
        text.append(String.format("%nEndure demo: %d messages to %d endpoints = %d deliveries, settled in %.1f s%n", messages,
                deliveries / Math.max(1, messages), deliveries, elapsed.toMillis() / 1000.0));
        text.append(String.format("  delivered  %6d   (%d of them after at least one retry)%n", delivered, deliveredAfterRetries));
        text.append(String.format("  retried    %6d   retries scheduled (503, 429 + Retry-After, timeouts, 500)%n", retriesScheduled));
        text.append(String.format("  failed     %6d%n", failed));
        failureReasons.forEach((reason, count) -> text.append(String.format("               %4d x %s%n", count, reason)));
        text.append(String.format("  held       %6d   kept for disabled endpoints (enable or replay to resume)%n", held));
        if (stillPending > 0) {
            text.append(String.format("  pending    %6d   not settled within the demo's time limit%n", stillPending));
        }
        text.append("  disabled endpoints:\n");
        disabledEndpoints.forEach((id, reason) -> text.append(String.format("    %-10s %s%n", id, reason)));
        text.append(String.format("  lost       %6d   (every accepted delivery is accounted for; every delivered one was received"
                + " with a valid signature; %d bad signatures)%n", lost, badSignatures));
        text.append("\nDashboard: ").append(dashboardUrl).append('\n');
        return text.toString();
    }
}
