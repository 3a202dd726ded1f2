package dev.endure.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.endure.delivery.StoreUnavailableException;
import dev.endure.server.auth.Scope;
import dev.endure.server.metrics.QueueHistory;
import dev.endure.server.metrics.ServerMetrics;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's HTTP surface on Javalin: the JSON API under {@code /api} (API key per route), the
 * dashboard page and its chart library under {@code /dashboard} and {@code /assets}, {@code /metrics}
 * and the health checks. Every error answers JSON: {@code {"status", "error", "message", "fields"}}.
 */
public final class HttpApi {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final String CHART_JS = "/META-INF/resources/webjars/chart.js/" + chartJsVersion() + "/dist/chart.umd.js";

    /**
     * Sent with every answer: the dashboard loads only its own scripts and styles, cannot be framed
     * (clickjacking its enable and replay buttons), and no answer is sniffed into another type.
     */
    static final java.util.Map<String, String> SECURITY_HEADERS = java.util.Map.of(
            "Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
                    + " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            "X-Frame-Options", "DENY",
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer");

    private HttpApi() {}

    /** Seconds a client is told to wait (Retry-After) when the store is unreachable or the node is shutting down. */
    static final String RETRY_AFTER_SECONDS = "2";

    /** How long stopping HTTP waits for responses still being written after the request gate drained. */
    static final long RESPONSE_FLUSH_GRACE_MILLIS = 5_000;

    /**
     * @param readiness why this node should not get traffic (store not answering, worker failing, shutting
     *     down), or null when it should
     * @param metricsNeedKey whether {@code /metrics} asks for a key with the read scope
     * @param gate lets API requests in until a graceful shutdown closes it
     */
    public static Javalin create(ApiContext api, Auth auth, ServerMetrics metrics, Supplier<String> readiness, boolean metricsNeedKey,
            RequestGate gate) {
        EndpointRoutes endpoints = new EndpointRoutes(api);
        MessageRoutes messages = new MessageRoutes(api);
        return Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            // Javalin refuses larger bodies itself (413) before reading them into memory; the API answers the same JSON.
            config.http.maxRequestSize = api.maxPayloadBytes();
            config.staticFiles.add(files -> {
                files.hostedPath = "/dashboard";
                files.directory = "/dev/endure/server/dashboard";
                files.location = Location.CLASSPATH;
                files.headers = SECURITY_HEADERS;
            });
            // Requests Jetty refuses before routing (bad path bytes, long URIs, big headers) answer JSON too.
            config.jetty.modifyServer(server -> {
                server.setErrorHandler(new JsonErrorPages());
                // Stopping waits (this long at most) for answers still being written: the request gate lets a
                // shutdown go on once the last route has returned, which can be before its response is flushed.
                server.setStopTimeout(RESPONSE_FLUSH_GRACE_MILLIS);
            });
            config.jetty.modifyServletContextHandler(context -> {
                context.setErrorHandler(new JsonErrorPages());
                context.insertHandler(new MethodGate());
                // Counts each request until its response is complete, so Jetty's graceful stop never cuts one.
                context.insertHandler(new org.eclipse.jetty.server.handler.GracefulHandler());
            });
            config.routes.before(ctx -> {
                ctx.attribute("endure.start", System.nanoTime());
                SECURITY_HEADERS.forEach(ctx::header);
            });
            config.routes.before("/api/*", ctx -> {
                if (!gate.enter()) {
                    ctx.header("Retry-After", RETRY_AFTER_SECONDS).header("Connection", "close");
                    throw new ApiException(503, "shutting_down", "this node is shutting down; send the request again"
                            + " (to another node, or after Retry-After) with the same Idempotency-Key", List.of());
                }
                ctx.attribute("endure.gate", Boolean.TRUE);
            });
            config.routes.after("/api/*", ctx -> {
                if (Boolean.TRUE.equals(ctx.attribute("endure.gate"))) {
                    ctx.attribute("endure.gate", Boolean.FALSE);
                    gate.leave();
                }
                Long start = ctx.attribute("endure.start");
                if (start != null) {
                    var matched = ctx.endpoints().matchedHttpEndpoint();
                    metrics.recordRequest(ctx.method().name(), matched == null ? "unmatched" : matched.path, ctx.statusCode(),
                            Duration.ofNanos(System.nanoTime() - start));
                }
            });
            config.routes.get("/", ctx -> ctx.redirect("/dashboard/"));
            config.routes.get("/assets/chart.umd.js", ctx -> {
                InputStream script = HttpApi.class.getResourceAsStream(CHART_JS);
                if (script == null) {
                    throw new ApiException(404, "not_found", "chart library missing from the jar", List.of());
                }
                ctx.contentType("text/javascript").header("Cache-Control", "max-age=86400").result(script);
            });
            config.routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(OpenApiDocument.json()));
            config.routes.get("/health/live", ctx -> Routes.json(ctx, 200, Json.object().put("status", "live")));
            config.routes.get("/health/ready", ctx -> {
                String problem = readiness.get();
                ObjectNode json = Json.object().put("status", problem == null ? "ready" : "not ready");
                if (problem != null) {
                    json.put("reason", problem);
                }
                Routes.json(ctx, problem == null ? 200 : 503, json);
            });
            config.routes.get("/metrics", ctx -> {
                if (metricsNeedKey) {
                    auth.check(ctx, Scope.READ);
                }
                ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
            });
            config.routes.get("/api/stats", auth.require(Scope.READ, Routes.noQuery(ctx -> stats(ctx, api))));
            endpoints.register(config.routes, auth);
            messages.register(config.routes, auth);
            new RetentionRoutes(api).register(config.routes, auth);
            new BatchMessageRoutes(api).register(config.routes, auth);
            new EventTypeRoutes(api).register(config.routes, auth);

            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.code(), e.getMessage(), e.fieldErrors()));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> {
                if (e.getStatus() == 413) {
                    error(ctx, 413, "payload_too_large", "request body is over the limit of " + api.maxPayloadBytes()
                            + " bytes (delivery.maxPayloadBytes)", List.of());
                } else {
                    error(ctx, e.getStatus(), "http_" + e.getStatus(), e.getMessage(), List.of());
                }
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                if (StoreUnavailableException.isStoreOutage(e)) {
                    // Not the client's fault and not a bug: the store did not answer in time. The message may or
                    // may not have been stored; the same Idempotency-Key makes the resend safe either way.
                    LOG.debug("{} {}: store unavailable: {}", ctx.method(), ctx.path(), e.getMessage());
                    ctx.header("Retry-After", RETRY_AFTER_SECONDS);
                    error(ctx, 503, "store_unavailable", "the message store did not answer; send the request again after"
                            + " Retry-After with the same Idempotency-Key (a message that was stored is not stored twice)", List.of());
                    return;
                }
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal_error", "the server failed to handle this request; see its log", List.of());
            });
            config.routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty() || !"application/json".equals(ctx.contentType())) {
                    error(ctx, 404, "not_found", "no route " + ctx.method() + " " + ctx.path(), List.of());
                }
            });
            config.routes.error(405, ctx -> error(ctx, 405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path(), List.of()));
        });
    }

    private static void stats(Context ctx, ApiContext api) {
        ObjectNode json = Json.object();
        json.set("counts", Views.counts(api.deliveries().counts()));
        ArrayNode history = json.putArray("history");
        for (QueueHistory.Sample sample : api.history().samples()) {
            ObjectNode point = history.addObject();
            point.put("at", sample.at().toString());
            sample.counts().forEach((state, count) -> point.put(state.name(), count));
        }
        Routes.json(ctx, 200, json);
    }

    private static void error(Context ctx, int status, String code, String message, List<FieldError> fields) {
        ObjectNode json = Json.object();
        json.put("status", status);
        json.put("error", code);
        json.put("message", message);
        ArrayNode list = json.putArray("fields");
        for (FieldError field : fields) {
            ObjectNode entry = list.addObject().put("field", field.field()).put("message", field.message());
            if (field.pointer() != null) {
                entry.put("pointer", field.pointer());
            }
        }
        Routes.json(ctx, status, json);
    }

    private static String chartJsVersion() {
        try (InputStream in = HttpApi.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/chart.js/pom.properties")) {
            java.util.Properties properties = new java.util.Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "missing");
        } catch (java.io.IOException e) {
            return "missing";
        }
    }
}
