package dev.endure.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The web server's own error answers (a path it cannot decode, a URI or headers over its limits, a
 * malformed request line) in the API's JSON shape instead of Jetty's HTML pages: these requests never
 * reach a route, so the API's exception mapping cannot answer them.
 */
public final class JsonErrorPages extends ErrorHandler {

    /** Every method gets the JSON body; Jetty would give only GET, POST and HEAD an error page. */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback)
            throws IOException {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
        return ByteBuffer.wrap(body(status, reason));
    }

    static byte[] body(int status, String reason) {
        return body(status, code(status), message(status, reason));
    }

    static byte[] body(int status, String code, String message) {
        ObjectNode json = Json.object();
        json.put("status", status);
        json.put("error", code);
        json.put("message", message);
        json.putArray("fields");
        return Json.write(json).getBytes(StandardCharsets.UTF_8);
    }

    private static String code(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 431 -> "headers_too_large";
            case 505 -> "http_version_not_supported";
            default -> "http_" + status;
        };
    }

    private static String message(int status, String reason) {
        String base = switch (status) {
            case 400 -> "the request line, path or headers could not be read";
            case 414 -> "the request URI is over the server's limit";
            case 431 -> "the request headers are over the server's limit";
            default -> "the request was refused by the HTTP layer";
        };
        // Jetty's reason is short and plain ("Ambiguous URI encoding"); anything else is not shown.
        boolean plain = reason != null && reason.length() <= 100 && reason.matches("[A-Za-z0-9 ,:'()/_.-]+");
        return plain ? base + ": " + reason : base;
    }
}
