package dev.endure.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.endure.server.api.Json;
import java.net.http.HttpResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code endure status}: a running server's queue counts and endpoints, as text. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show deliveries by state and every endpoint's state.")
final class StatusCommand implements Callable<Integer> {

    @Mixin
    RemoteOptions remote;

    @Override
    public Integer call() throws Exception {
        HttpResponse<String> stats = remote.call("GET", "/api/stats", null, null);
        if (stats.statusCode() != 200) {
            System.err.println("endure status: " + stats.statusCode() + " " + stats.body());
            return 1;
        }
        JsonNode counts = Json.read(stats.body()).path("counts");
        System.out.println("Deliveries");
        counts.fields().forEachRemaining(e -> System.out.printf("  %-10s %8d%n", e.getKey().toLowerCase(), e.getValue().asLong()));
        JsonNode endpoints = Json.read(remote.call("GET", "/api/endpoints", null, null).body()).path("data");
        System.out.println("Endpoints");
        for (JsonNode endpoint : endpoints) {
            JsonNode s = endpoint.path("stats");
            System.out.printf("  %-24s %-8s %-9s success %5.1f %% of %d  %s%n", endpoint.path("id").asText(),
                    endpoint.path("enabled").asBoolean() ? "enabled" : "DISABLED", endpoint.path("breaker").asText("-"),
                    s.path("successRate").asDouble(1.0) * 100, s.path("attemptsInWindow").asLong(),
                    endpoint.path("enabled").asBoolean() ? s.path("lastError").asText("") : endpoint.path("disabledReason").asText());
        }
        return 0;
    }
}
