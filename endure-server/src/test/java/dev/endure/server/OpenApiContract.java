package dev.endure.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.endure.server.api.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The OpenAPI document as the contract test reads it: its operations ("METHOD /path/{param}"), the statuses
 * each lists, the schema of each answer, and a record of which (operation, status) pairs a test has seen.
 * Answers are validated by networknt's JSON Schema 2020-12 implementation, with the document's
 * {@code components} beside each schema so that its {@code $ref}s resolve.
 */
final class OpenApiContract {

    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete", "head", "options");

    private final JsonNode document;
    private final Map<String, Pattern> templates = new LinkedHashMap<>();
    private final Map<String, Set<String>> seen = new ConcurrentHashMap<>();
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    OpenApiContract(JsonNode document) {
        this.document = document;
        for (Iterator<String> paths = document.path("paths").fieldNames(); paths.hasNext(); ) {
            String path = paths.next();
            templates.put(path, Pattern.compile(Pattern.quote(path).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q")));
        }
    }

    /** Every operation the document lists, as "METHOD /path/{param}". */
    Set<String> operations() {
        Set<String> operations = new TreeSet<>();
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (METHODS.contains(method)) {
                operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }));
        return operations;
    }

    /** The statuses an operation lists explicitly (not {@code default}). */
    Set<String> statuses(String operation) {
        Set<String> statuses = new TreeSet<>();
        operationNode(operation).path("responses").fieldNames().forEachRemaining(status -> {
            if (!status.equals("default")) {
                statuses.add(status);
            }
        });
        return statuses;
    }

    /** The documented operation a concrete request falls under, or null. */
    String operationFor(String method, String concretePath) {
        String path = concretePath.contains("?") ? concretePath.substring(0, concretePath.indexOf('?')) : concretePath;
        // Literal paths win over templated ones (/api/messages/batch is not /api/messages/{id}).
        String literal = method + " " + path;
        if (operations().contains(literal)) {
            return literal;
        }
        for (Map.Entry<String, Pattern> template : templates.entrySet()) {
            String operation = method + " " + template.getKey();
            if (template.getValue().matcher(path).matches() && operations().contains(operation)) {
                return operation;
            }
        }
        return null;
    }

    /**
     * Checks one real answer against the document: the status is one the operation lists, the media type is
     * the documented one, and the body validates against the documented schema. Returns every problem found.
     */
    List<String> check(String operation, int status, String contentType, String body) {
        List<String> problems = new ArrayList<>();
        JsonNode responses = operationNode(operation).path("responses");
        JsonNode response = responses.get(Integer.toString(status));
        if (response == null) {
            problems.add(operation + " answered " + status + ", which the document does not list (it lists " + statuses(operation) + ")");
            return problems;
        }
        seen.computeIfAbsent(operation, key -> ConcurrentHashMap.newKeySet()).add(Integer.toString(status));
        response = resolve(response);
        JsonNode content = response.get("content");
        if (content == null) {
            if (body != null && !body.isEmpty()) {
                problems.add(operation + " " + status + ": documented without a body, answered " + shorten(body));
            }
            return problems;
        }
        String mediaType = contentType == null ? "" : contentType.split(";")[0].strip();
        JsonNode media = content.get(mediaType);
        if (media == null) {
            problems.add(operation + " " + status + ": answered Content-Type " + contentType + ", documented " + fieldNames(content));
            return problems;
        }
        if (!mediaType.equals("application/json")) {
            return problems;
        }
        JsonNode json;
        try {
            json = Json.read(body);
        } catch (Exception e) {
            problems.add(operation + " " + status + ": body is not JSON: " + shorten(body));
            return problems;
        }
        Schema schema = schemas.computeIfAbsent(operation + " " + status, key -> schema(media.get("schema")));
        for (Error error : schema.validate(json)) {
            problems.add(operation + " " + status + ": " + error.getInstanceLocation() + ": " + error.getMessage() + " in " + shorten(body));
        }
        return problems;
    }

    /** For every operation, the documented statuses no test has seen yet. */
    Map<String, Set<String>> unexercised() {
        Map<String, Set<String>> missing = new TreeMap<>();
        for (String operation : operations()) {
            Set<String> statuses = new TreeSet<>(statuses(operation));
            statuses.removeAll(seen.getOrDefault(operation, Set.of()));
            if (!statuses.isEmpty()) {
                missing.put(operation, statuses);
            }
        }
        return missing;
    }

    /** Validates any JSON value against a schema of the document's components, by name. */
    List<String> validateComponent(String name, JsonNode value) {
        ObjectNode reference = Json.object().put("$ref", "#/components/schemas/" + name);
        List<String> problems = new ArrayList<>();
        for (Error error : schema(reference).validate(value)) {
            problems.add(name + ": " + error.getInstanceLocation() + ": " + error.getMessage());
        }
        return problems;
    }

    private Schema schema(JsonNode schemaNode) {
        ObjectNode root = schemaNode.deepCopy();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("components", document.get("components"));
        return registry.getSchema(SchemaLocation.of("urn:endure:openapi:" + Integer.toHexString(System.identityHashCode(root))), root);
    }

    private JsonNode operationNode(String operation) {
        String[] parts = operation.split(" ", 2);
        return document.path("paths").path(parts[1]).path(parts[0].toLowerCase(Locale.ROOT));
    }

    private JsonNode resolve(JsonNode node) {
        JsonNode current = node;
        while (current.has("$ref")) {
            current = document.at(current.get("$ref").asText().substring(1));
        }
        return current;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String shorten(String text) {
        return text == null ? "null" : text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
