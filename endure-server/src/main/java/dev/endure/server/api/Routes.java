package dev.endure.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Small helpers every route uses: size- and type-checked body parsing, query checks, ids, JSON answers. */
final class Routes {

    /** Every id the API hands out or accepts (endpoint, message and delivery ids) has this shape. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private Routes() {}

    /**
     * The body as JSON: refused with 413 above {@code delivery.maxPayloadBytes}, with 415 unless sent as
     * {@code application/json} (in UTF-8), before it is parsed.
     */
    static Body body(Context ctx, ApiContext api) {
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length > api.maxPayloadBytes()) {
            throw ApiException.tooLarge(bytes.length, api.maxPayloadBytes());
        }
        requireJson(ctx.header("Content-Type"));
        return Body.parse(bytes);
    }

    private static void requireJson(String contentType) {
        if (contentType == null) {
            throw unsupported("the request has a body but no Content-Type; send it as Content-Type: application/json");
        }
        String[] parts = contentType.split(";", -1);
        String type = parts[0].strip().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json")) {
            throw unsupported("Content-Type " + shorten(type) + " is not accepted; send the body as application/json");
        }
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].split("=", 2);
            if (parameter[0].strip().equalsIgnoreCase("charset") && parameter.length == 2
                    && !parameter[1].strip().replace("\"", "").equalsIgnoreCase("utf-8")) {
                throw unsupported("charset " + shorten(parameter[1].strip()) + " is not accepted; JSON is sent in UTF-8");
            }
        }
    }

    private static ApiException unsupported(String message) {
        return new ApiException(415, "unsupported_media_type", message, List.of());
    }

    static String shorten(String text) {
        String plain = text.replaceAll("[^\\x20-\\x7e]", "?");
        return plain.length() > 60 ? plain.substring(0, 60) + "..." : plain;
    }

    /**
     * Wraps a route so that query parameters other than {@code allowed} are a 400, as unknown body
     * fields are, and every value is checked for control characters and given once.
     */
    static Handler query(Set<String> allowed, Handler handler) {
        return ctx -> {
            checkQuery(ctx.queryParamMap(), allowed);
            handler.handle(ctx);
        };
    }

    /** A route that takes no query parameters. */
    static Handler noQuery(Handler handler) {
        return query(Set.of(), handler);
    }

    static void checkQuery(Map<String, List<String>> parameters, Set<String> allowed) {
        List<FieldError> errors = new ArrayList<>();
        parameters.forEach((name, values) -> {
            String shown = shorten(name);
            if (!allowed.contains(name)) {
                String hint = dev.endure.config.ConfigDocument.closest(name, allowed).map(s -> "; did you mean '" + s + "'?")
                        .orElse(allowed.isEmpty() ? "; this route takes none" : "; known: " + String.join(", ", new java.util.TreeSet<>(allowed)));
                errors.add(new FieldError(shown, "is not a known query parameter" + hint));
            } else if (values.size() > 1) {
                errors.add(new FieldError(shown, "is given " + values.size() + " times; give it once"));
            } else {
                String problem = values.isEmpty() ? null : Body.controlCharacterProblem(values.get(0));
                if (problem != null) {
                    errors.add(new FieldError(shown, problem));
                }
            }
        });
        if (!errors.isEmpty()) {
            throw ApiException.invalid(errors);
        }
    }

    /** A path id, refused as unknown (404) when it could never have been handed out, without asking the store. */
    static String pathId(Context ctx, String what) {
        String id = ctx.pathParam("id");
        if (!ID.matcher(id).matches()) {
            throw new ApiException(404, "not_found", what + " '" + shorten(id) + "' does not exist (ids are 1 to 64 letters, digits, '_' or '-')",
                    List.of());
        }
        return id;
    }

    static void json(Context ctx, int status, JsonNode json) {
        ctx.status(status).contentType("application/json").result(Json.write(json));
    }
}
