package dev.endure.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;

/** The one JSON mapper of the server (strict on input: duplicate keys are an error, not last-one-wins). */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // Numbers are read exactly (1e400 is not Infinity); payloads are kept as sent anyway, see Body.
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {}

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode read(String text) throws JsonProcessingException {
        return MAPPER.readTree(text);
    }

    /**
     * What is wrong with unreadable JSON, in words for the client: the parser's own sentence without
     * its source excerpt, the Java types it was bound to or the feature flags that refused it.
     */
    public static String describe(JsonProcessingException e) {
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (message.contains("Trailing token")) {
            return "unexpected content after the end of the JSON value; send exactly one JSON object";
        }
        int newline = message.indexOf('\n');
        if (newline >= 0) {
            message = message.substring(0, newline);
        }
        message = message.replaceAll("\\s*\\((?:start marker|for [A-Za-z]+ starting) at \\[Source:[^\\]]*\\][^)]*\\)", "")
                .replaceAll("\\s*\\(bound as [^)]*\\)", "")
                .replaceAll("\\s*\\[Source:.*$", "")
                .replaceAll(":?\\s*not allowed as per .*$", "")
                .replaceAll("\\s*\\(?through reference chain.*$", "")
                .strip();
        if (message.isEmpty() || message.contains("`") || message.contains("com.fasterxml") || message.contains("Source:")
                || message.contains("Feature") || message.contains("JsonNode")) {
            return "malformed JSON";
        }
        return message;
    }
}
