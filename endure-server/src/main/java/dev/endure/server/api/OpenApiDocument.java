package dev.endure.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import io.javalin.router.ParsedEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The API contract: {@code openapi.yaml} next to this class, the one source of truth, served as JSON at
 * {@code GET /openapi.json}. Written in YAML because people edit it; answered in JSON because tools read it.
 * OpenApiContractTest holds it to the running server.
 */
public final class OpenApiDocument {

    private static final String RESOURCE = "openapi.yaml";
    private static final Set<HandlerType> HTTP_METHODS = Set.of(HandlerType.GET, HandlerType.POST, HandlerType.PUT, HandlerType.PATCH,
            HandlerType.DELETE, HandlerType.HEAD, HandlerType.OPTIONS);

    private static volatile String json;

    private OpenApiDocument() {}

    /** The document as a JSON tree. */
    public static JsonNode tree() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            return new ObjectMapper(new YAMLFactory()).readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE + " failed", e);
        }
    }

    /** The document as JSON text, read once. */
    static String json() {
        String text = json;
        if (text == null) {
            text = Json.write(tree());
            json = text;
        }
        return text;
    }

    /** Every route Javalin serves, as "METHOD /path/{param}" (before/after filters and static files are not routes). */
    public static Set<String> routes(Javalin javalin) {
        Set<String> routes = new TreeSet<>();
        List<ParsedEndpoint> handlers = javalin.unsafe.internalRouter.allHttpHandlers();
        for (ParsedEndpoint handler : handlers) {
            if (HTTP_METHODS.contains(handler.endpoint.method)) {
                routes.add(handler.endpoint.method.name().toUpperCase(Locale.ROOT) + " " + handler.endpoint.path);
            }
        }
        return routes;
    }
}
