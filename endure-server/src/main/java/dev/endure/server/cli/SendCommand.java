package dev.endure.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.endure.server.api.Json;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;

/** {@code endure send}: sends one message through a running server's API. */
@Command(name = "send", mixinStandardHelpOptions = true, description = "Send a message (202 Accepted with its id).")
final class SendCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RemoteOptions remote;

    @Option(names = "--event", required = true, description = "event type, e.g. invoice.paid")
    String eventType;

    @Option(names = "--payload", required = true, description = "JSON payload, or @file to read it from a file")
    String payload;

    @Option(names = "--endpoint", description = "endpoint id (repeatable; default: every endpoint)")
    List<String> endpoints;

    @Option(names = "--idempotency-key", description = "a repeated send with this key is not delivered twice")
    String idempotencyKey;

    @Override
    public Integer call() throws Exception {
        remote.base();
        String text = payload.startsWith("@") ? readPayloadFile(payload.substring(1)) : payload;
        JsonNode parsed;
        try {
            parsed = Json.read(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw CliException.usage("--payload is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + "): " + e.getOriginalMessage());
        }
        ObjectNode body = Json.object();
        body.put("eventType", eventType);
        body.set("payload", parsed);
        if (endpoints != null) {
            ArrayNode list = body.putArray("endpoints");
            endpoints.forEach(list::add);
        }
        HttpResponse<String> response = remote.call("POST", "/api/messages", Json.write(body), idempotencyKey);
        if (response.statusCode() / 100 != 2) {
            throw new CliException(ExitCodes.REFUSED, "the server refused the message (" + response.statusCode() + "): "
                    + ServerAnswer.message(response.body()));
        }
        spec.commandLine().getOut().println(response.body());
        return ExitCodes.OK;
    }

    private static String readPayloadFile(String name) {
        Path file = Path.of(name);
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw CliException.usage("--payload @" + name + ": no such file (looked for " + file.toAbsolutePath() + ")");
        } catch (IOException e) {
            throw CliException.usage("--payload @" + name + ": cannot read it (" + e.getClass().getSimpleName().replace("Exception", "")
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }
}
