package dev.endure.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;

/** Small helpers every route uses: size-checked body parsing and JSON answers. */
final class Routes {

    private Routes() {}

    /** The body as JSON, refused with 413 above {@code delivery.maxPayloadBytes} before it is parsed. */
    static Body body(Context ctx, ApiContext api) {
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length > api.maxPayloadBytes()) {
            throw ApiException.tooLarge(bytes.length, api.maxPayloadBytes());
        }
        return Body.parse(bytes);
    }

    static void json(Context ctx, int status, JsonNode json) {
        ctx.status(status).contentType("application/json").result(Json.write(json));
    }
}
