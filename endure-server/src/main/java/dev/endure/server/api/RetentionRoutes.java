package dev.endure.server.api;

import dev.endure.server.auth.Scope;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * {@code DELETE /api/messages/{id}/payload}: removes one message's payload at once (a user's data on
 * request), before retention would; the message then reads {@code "payload": null} and its unfinished
 * deliveries fail with reason "payload expunged".
 */
final class RetentionRoutes {

    private final ApiContext api;

    RetentionRoutes(ApiContext api) {
        this.api = api;
    }

    void register(RoutesConfig routes, Auth auth) {
        routes.delete("/api/messages/{id}/payload", auth.require(Scope.MANAGE, Routes.noQuery(this::expunge)));
    }

    private void expunge(Context ctx) {
        String id = Routes.pathId(ctx, "message");
        if (!api.deliveries().expungePayload(id)) {
            throw ApiException.notFound("message", id);
        }
        ctx.status(204);
    }
}
