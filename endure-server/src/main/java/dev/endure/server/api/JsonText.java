package dev.endure.server.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A request body as text, before and beside its tree: strict UTF-8 decoding, whole-Unicode checks, and the
 * exact source text of a field's value (a webhook payload is forwarded as sent, never re-serialised, so
 * the signature covers the client's bytes).
 */
final class JsonText {

    private JsonText() {}

    static String decodeUtf8(byte[] bytes) {
        // The JDK's lenient decode is much cheaper; it replaces each malformed sequence with U+FFFD, so text without one
        // came from well-formed UTF-8. Only text with one (sent, or made by a replacement) is decoded again strictly.
        String lenient = new String(bytes, StandardCharsets.UTF_8);
        if (lenient.indexOf('\uFFFD') < 0) {
            return lenient;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer input = ByteBuffer.wrap(bytes);
        try {
            return decoder.decode(input).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.invalid("$", "is not valid UTF-8 (bad byte near offset " + input.position()
                    + "); send JSON encoded as UTF-8");
        }
    }

    /** Strings and names must be whole Unicode: a lone surrogate cannot be stored or sent as UTF-8 unchanged. */
    static void findUnpairedSurrogates(JsonNode node, String path, List<FieldError> errors) {
        if (node.isTextual()) {
            if (hasUnpairedSurrogate(node.textValue())) {
                errors.add(new FieldError(path.isEmpty() ? "$" : path, "holds an unpaired UTF-16 surrogate (such as \\ud800 alone);"
                        + " JSON text must be valid Unicode"));
            }
        } else if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String child = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                if (hasUnpairedSurrogate(field.getKey())) {
                    errors.add(new FieldError(path.isEmpty() ? "$" : path, "has a field name with an unpaired UTF-16 surrogate"));
                } else {
                    findUnpairedSurrogates(field.getValue(), child, errors);
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                findUnpairedSurrogates(node.get(i), path + "[" + i + "]", errors);
            }
        }
    }

    static boolean hasUnpairedSurrogate(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** The source text of each element of a top-level array field. */
    static List<String> rawElements(String text, String field) {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(text)) {
            parser.nextToken();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if (!name.equals(field)) {
                    if (value.isStructStart()) {
                        parser.skipChildren();
                    }
                    continue;
                }
                List<String> elements = new ArrayList<>();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    int start = (int) parser.currentTokenLocation().getCharOffset();
                    if (parser.currentToken().isStructStart()) {
                        parser.skipChildren();
                    } else {
                        parser.finishToken();
                    }
                    elements.add(text.substring(start, (int) parser.currentLocation().getCharOffset()).strip());
                }
                return elements;
            }
        } catch (IOException e) {
            throw new IllegalStateException("re-reading a parsed body failed", e);
        }
        throw new IllegalStateException("field " + field + " vanished between two parses");
    }

    /** The source text of a top-level field's value, found with the streaming parser's character offsets. */
    static String rawText(String text, String field) {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(text)) {
            parser.nextToken();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                int start = (int) parser.currentTokenLocation().getCharOffset();
                if (value.isStructStart()) {
                    parser.skipChildren();
                } else {
                    parser.finishToken();
                }
                if (name.equals(field)) {
                    int end = (int) parser.currentLocation().getCharOffset();
                    return text.substring(start, end).strip();
                }
            }
        } catch (IOException e) {
            // The tree parse of the same text succeeded, so the streaming parse does too.
            throw new IllegalStateException("re-reading a parsed body failed", e);
        }
        throw new IllegalStateException("field " + field + " vanished between two parses");
    }
}
