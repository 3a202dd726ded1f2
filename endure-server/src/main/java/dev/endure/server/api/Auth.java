package dev.endure.server.api;

import dev.endure.server.auth.ApiKey;
import dev.endure.server.auth.ApiKeys;
import dev.endure.server.auth.Scope;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.List;
import java.util.Optional;

/**
 * API-key checks: 401 when no valid key is presented ({@code Authorization: Bearer ek_...} or
 * {@code X-Api-Key}), 403 when the key lacks the route's scope. Keys are never logged or echoed.
 */
public final class Auth {

    private final ApiKeys keys;

    public Auth(ApiKeys keys) {
        this.keys = keys;
    }

    /** Wraps {@code handler} so it runs only for a key with {@code scope}. */
    public Handler require(Scope scope, Handler handler) {
        return ctx -> {
            check(ctx, scope);
            handler.handle(ctx);
        };
    }

    public void check(Context ctx, Scope scope) {
        Optional<ApiKey> key = keys.authenticate(presented(ctx));
        if (key.isEmpty()) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"endure\"");
            throw new ApiException(401, "unauthorized",
                    "a valid API key is required: send 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'", List.of());
        }
        if (!key.get().allows(scope)) {
            throw new ApiException(403, "forbidden", "API key '" + key.get().name() + "' lacks the '" + scope.id()
                    + "' scope this request needs (it has " + key.get().scopes().stream().map(Scope::id).sorted().toList() + ")", List.of());
        }
    }

    private static String presented(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        return ctx.header("X-Api-Key");
    }
}
