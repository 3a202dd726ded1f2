package dev.endure.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.endure.server.api.Json;

/** The human part of an API error answer ({@code message} and field errors), for a one-line CLI error. */
final class ServerAnswer {

    private ServerAnswer() {}

    static String message(String body) {
        try {
            JsonNode json = Json.read(body);
            StringBuilder text = new StringBuilder(json.path("message").asText(body));
            for (JsonNode field : json.path("fields")) {
                text.append("; ").append(field.path("field").asText()).append(": ").append(field.path("message").asText());
            }
            return text.toString();
        } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
            return body.length() > 200 ? body.substring(0, 200) + "…" : body;
        }
    }
}
