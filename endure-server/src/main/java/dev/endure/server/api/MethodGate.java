package dev.endure.server.api;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Answers requests with a method the server has no use for (TRACE, CONNECT, made-up ones) with a JSON
 * 405 before they reach the servlet layer, which would answer some of them with an empty body of its own.
 */
final class MethodGate extends Handler.Wrapper {

    static final Set<String> ALLOWED = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String method = request.getMethod();
        if (ALLOWED.contains(method)) {
            return super.handle(request, response, callback);
        }
        String shown = method.length() > 20 || !method.matches("[A-Za-z0-9_-]+") ? "this method" : method;
        response.setStatus(405);
        response.getHeaders().put(HttpHeader.ALLOW, String.join(", ", List.of("GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS")));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(JsonErrorPages.body(405, "method_not_allowed", shown + " is not a method this server answers")),
                callback);
        return true;
    }
}
