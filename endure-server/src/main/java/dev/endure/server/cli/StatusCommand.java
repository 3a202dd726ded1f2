package dev.endure.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.endure.server.api.Json;
import java.net.http.HttpResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code endure status}: a running server's queue counts and endpoints, as text. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show deliveries by state and every endpoint's state.")
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RemoteOptions remote;

    @Override
    public Integer call() throws Exception {
        HttpResponse<String> stats = remote.call("GET", "/api/stats", null, null);
        if (stats.statusCode() != 200) {
            throw new CliException(ExitCodes.REFUSED, "the server answered " + stats.statusCode() + ": " + ServerAnswer.message(stats.body()));
        }
        java.io.PrintWriter out = spec.commandLine().getOut();
        JsonNode counts = Json.read(stats.body()).path("counts");
        out.println("Deliveries");
        counts.fields().forEachRemaining(e -> out.printf("  %-10s %8d%n", e.getKey().toLowerCase(), e.getValue().asLong()));
        JsonNode endpoints = Json.read(remote.call("GET", "/api/endpoints", null, null).body()).path("data");
        out.println("Endpoints");
        for (JsonNode endpoint : endpoints) {
            JsonNode s = endpoint.path("stats");
            out.printf("  %-24s %-8s %-9s success %5.1f %% of %d  %s%n", endpoint.path("id").asText(),
                    endpoint.path("enabled").asBoolean() ? "enabled" : "DISABLED", endpoint.path("breaker").asText("-"),
                    s.path("successRate").asDouble(1.0) * 100, s.path("attemptsInWindow").asLong(),
                    endpoint.path("enabled").asBoolean() ? s.path("lastError").asText("") : endpoint.path("disabledReason").asText());
        }
        return ExitCodes.OK;
    }
}
