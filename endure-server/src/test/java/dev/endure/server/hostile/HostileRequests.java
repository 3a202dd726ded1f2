package dev.endure.server.hostile;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators of malformed and hostile requests to the server's API, each labelled with its class so
 * the fuzz can count outcomes per class. Targets of destructive actions are never the fuzz's own
 * endpoint ({@link #PROTECTED_ENDPOINT}), whose messages must still arrive unchanged afterwards.
 */
public final class HostileRequests {

    /** The endpoint the fuzz checks deliveries on; generated requests never name it. */
    public static final String PROTECTED_ENDPOINT = "ep_fuzz";

    /** One request: its class, method, request-target (sent as is), headers and body bytes (null: none). */
    public record Request(String kind, String method, String target, Map<String, String> headers, byte[] body) {

        @Override
        public String toString() {
            String shownBody = body == null ? "-" : new String(body, StandardCharsets.UTF_8);
            return kind + " " + method + " " + abbreviate(target) + " " + headers.keySet() + " " + abbreviate(shownBody);
        }

        private static String abbreviate(String text) {
            return text.length() > 300 ? text.substring(0, 300) + "...(" + text.length() + ")" : text;
        }
    }

    private final String key;

    public HostileRequests(String adminKey) {
        this.key = adminKey;
    }

    public Arbitrary<Request> any() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, endpointCreates()),
                Tuple.of(3, endpointChanges()),
                Tuple.of(6, messageSends()),
                Tuple.of(3, listQueries()),
                Tuple.of(3, endpointActions()),
                Tuple.of(3, malformedBodies()),
                Tuple.of(3, oddMethodsAndPaths()),
                Tuple.of(1, oversizedHeaders()),
                Tuple.of(2, authProblems()));
    }

    // ---- building blocks -------------------------------------------------------------------------

    /** Strings a hostile client likes: controls, NUL, lone surrogates, injections, very long ones, plus random text. */
    static Arbitrary<String> hostileText() {
        return Arbitraries.oneOf(
                Arbitraries.of("", " ", "\u0000", "a\u0000b", "\ud800", "x\udc00y", "\ud83d\ude00", "caf\u00e9", "\r\nX-Injected: 1",
                        "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "%00", "${jndi:ldap://127.0.0.1/a}", "\u202e",
                        "x".repeat(256), "y".repeat(3000), "ep_sacrificial", "\u0007\u001b[31m", "\ufeff", "null"),
                Arbitraries.strings().withCharRange('\u0000', '\uffff').ofMaxLength(40),
                Arbitraries.strings().alpha().numeric().withChars('_', '-').ofMinLength(1).ofMaxLength(70));
    }

    /** JSON text for a string, escaping what JSON requires; surrogates are escaped so a lone one reaches the server as sent. */
    static String json(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** Number spellings that break naive parsers: overflow, underflow, precision beyond a double, negative zero. */
    static Arbitrary<String> numberLiterals() {
        return Arbitraries.oneOf(
                Arbitraries.of("0", "-0", "1e400", "-1e400", "1E-400", "12345678901234567.89", "0.1", "1e2", "9223372036854775808",
                        "-9223372036854775809", "4.9e-324", "1.7976931348623157e309", "3", "100000", "2.5"),
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf).filter(s -> !s.contains("Infinity") && !s.contains("NaN")));
    }

    /** Any JSON value, nested up to {@code depth}, written as text with varied spacing. */
    static Arbitrary<String> jsonValue(int depth) {
        Arbitrary<String> scalar = Arbitraries.oneOf(numberLiterals(), hostileText().map(HostileRequests::json),
                Arbitraries.of("true", "false", "null"));
        if (depth == 0) {
            return scalar;
        }
        Arbitrary<String> array = jsonValue(depth - 1).list().ofMaxSize(3).map(items -> "[" + String.join(", ", items) + "]");
        Arbitrary<String> object = Combinators.combine(hostileText(), jsonValue(depth - 1)).as((k, v) -> json(k) + " : " + v)
                .list().ofMaxSize(3).map(fields -> "{" + String.join(",\n ", fields) + "}");
        return Arbitraries.oneOf(scalar, array, object);
    }

    /** Valid JSON payloads with the spellings a re-serialiser would change; every one must arrive byte for byte. */
    public static Arbitrary<String> validPayloads() {
        Arbitrary<String> text = Arbitraries.oneOf(Arbitraries.strings().withCharRange(' ', '\ud7ff').ofMaxLength(30),
                Arbitraries.of("caf\u00e9", "\ud83d\ude00", "tab\there", "quote\"d", "back\\slash", "\u2028"));
        Arbitrary<String> value = Arbitraries.oneOf(numberLiterals(), text.map(HostileRequests::json), Arbitraries.of("true", "false", "null",
                "\"\\u00e9\\n\\/\"", "[ ]", "{ }"));
        return Combinators.combine(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8), value, Arbitraries.of(" ", "", "\n  ", "\t"))
                .as((name, v, space) -> "{" + space + json(name) + ":" + space + v + space + "}")
                .list().ofMinSize(1).ofMaxSize(4).map(parts -> parts.size() == 1 ? parts.get(0) : "[" + String.join(",", parts) + "]");
    }

    static Arbitrary<String> durations() {
        return Arbitraries.oneOf(Arbitraries.of("1m", "2h", "0", "-1s", "9999999999999999d", "1h30m", "PT5S", "P1D", "abc", "1.5s", "30 s",
                        "1ms", "365d", "100000d", "1s1s", "5", "1e3s", "PT-1S", "1m30", "PT100000000H"),
                hostileText());
    }

    static Arbitrary<String> urls() {
        return Arbitraries.of("http://127.0.0.1:99999/", "http://127.0.0.1:65536/", "http://127.0.0.1:0/", "http://0177.0.0.1/",
                "http://127.000.0.1/", "http://[::ffff:0:7f00:1]/", "http://[64:ff9b:1::1]/", "http://[2001::1]/", "http://169.254.169.254/",
                "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]/", "http://0.0.0.0/", "http://2130706433/", "http://127.1/",
                "ftp://127.0.0.1/", "javascript:alert(1)", "http://user:pw@127.0.0.1:1/", "http://127.0.0.1:1/refused", "http:///nohost",
                "http://[::1]:1/x", "//127.0.0.1/", "http://127.0.0.1:1/\u0000", "http://127.0.0.1:1/" + "a".repeat(3000), "", "http://%31%32%37.0.0.1/",
                "http://127.0.0.1:1/ok?x=" + "\ud800");
    }

    /** Ids for paths: ones the server may know (sacrificial), random ones, and hostile ones percent-encoded or raw. */
    static Arbitrary<String> pathIds() {
        return Arbitraries.oneOf(
                Arbitraries.of("ep_sacrificial", "ep_other", "msg_missing", "dlv_missing", "%00", "a%00b", "%ZZ", "%", "..", "%2e%2e",
                        "%2F", "a%2Fb", "%C0%AF", "%ED%A0%80", "x".repeat(5000), "ep_sacrificial%20", "%E2%80%AE"),
                hostileText().map(id -> URLEncoder.encode(id, StandardCharsets.UTF_8)))
                .map(id -> id.equals(PROTECTED_ENDPOINT) ? "ep_sacrificial" : id);
    }

    static Arbitrary<String> contentTypes() {
        return Arbitraries.frequencyOf(Tuple.of(12, Arbitraries.just("application/json")),
                Tuple.of(1, Arbitraries.of("application/json; charset=utf-8", "application/json;charset=ISO-8859-1", "text/plain",
                        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/JSON", "", ";;;",
                        "application/json; charset=\"utf-16\"", "*/*")),
                Tuple.of(1, Arbitraries.just("(none)")));
    }

    private Map<String, String> headers(String contentType) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + key);
        if (contentType != null && !contentType.equals("(none)")) {
            headers.put("Content-Type", contentType);
        }
        return headers;
    }

    private Arbitrary<Request> jsonRequest(String kind, String method, Arbitrary<String> target, Arbitrary<String> body) {
        return Combinators.combine(target, body, contentTypes())
                .as((t, b, type) -> new Request(kind, method, t, headers(type), b.getBytes(StandardCharsets.UTF_8)));
    }

    /** An object whose fields are each present or absent, plus sometimes an unknown one. */
    private static Arbitrary<String> object(List<Arbitrary<String>> fields) {
        Arbitrary<List<String>> chosen = Combinators.combine(fields.stream().map(f -> f.injectNull(0.4)).toList())
                .as(values -> values.stream().filter(v -> v != null).toList());
        return Combinators.combine(chosen, Arbitraries.of("", "", "", ",\"unknwn\":1", ",\"eventType\":1", ",\"url\":null"))
                .as((present, extra) -> "{" + String.join(",", present) + (present.isEmpty() && !extra.isEmpty() ? extra.substring(1) : extra) + "}");
    }

    private static Arbitrary<String> field(String name, Arbitrary<String> jsonValues) {
        return jsonValues.map(v -> json(name) + ":" + v);
    }

    // ---- request classes ----------------------------------------------------------------------------

    Arbitrary<Request> endpointCreates() {
        Arbitrary<String> policy = object(List.of(field("initial", durations().map(HostileRequests::json)),
                field("cap", durations().map(HostileRequests::json)), field("maxDuration", durations().map(HostileRequests::json)),
                field("timeout", durations().map(HostileRequests::json)), field("multiplier", numberLiterals()),
                field("maxAttempts", numberLiterals())));
        Arbitrary<String> body = object(List.of(
                field("id", Arbitraries.oneOf(hostileText(), Arbitraries.strings().alpha().ofLength(10).map(s -> "ep_" + s))
                        .filter(id -> !id.equals(PROTECTED_ENDPOINT)).map(HostileRequests::json)),
                field("url", Arbitraries.oneOf(urls(), hostileText().filter(s -> !s.contains("://"))).map(HostileRequests::json)),
                field("policy", Arbitraries.oneOf(policy, jsonValue(1))),
                field("rateLimitPerSecond", Arbitraries.oneOf(numberLiterals(), jsonValue(0))),
                field("maxConcurrency", numberLiterals()),
                field("ordered", jsonValue(0))));
        return jsonRequest("create-endpoint", "POST", Arbitraries.just("/api/endpoints"), body);
    }

    Arbitrary<Request> endpointChanges() {
        Arbitrary<String> body = object(List.of(field("url", urls().map(HostileRequests::json)),
                field("policy", object(List.of(field("cap", durations().map(HostileRequests::json)),
                        field("initial", durations().map(HostileRequests::json))))),
                field("maxConcurrency", numberLiterals())));
        return jsonRequest("patch-endpoint", "PATCH", pathIds().map(id -> "/api/endpoints/" + id), body);
    }

    Arbitrary<Request> messageSends() {
        Arbitrary<String> endpoints = Arbitraries.oneOf(
                hostileText().filter(id -> !id.equals(PROTECTED_ENDPOINT)).map(HostileRequests::json).list().ofMaxSize(3)
                        .map(ids -> "[" + String.join(",", ids) + "]"),
                jsonValue(1));
        Arbitrary<String> body = object(List.of(
                field("eventType", Arbitraries.oneOf(hostileText().map(HostileRequests::json), jsonValue(0))),
                field("payload", jsonValue(2)),
                field("idempotencyKey", Arbitraries.oneOf(hostileText().map(HostileRequests::json), numberLiterals())),
                field("endpoints", endpoints)));
        return jsonRequest("send-message", "POST", Arbitraries.just("/api/messages"), body);
    }

    Arbitrary<Request> listQueries() {
        Arbitrary<String> parameter = Combinators.combine(
                Arbitraries.of("endpoint", "state", "eventType", "since", "limit", "cursor", "limt", "verbose", "", "a%00", "%ZZ"),
                Arbitraries.oneOf(Arbitraries.of("+300000000-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "-1", "0",
                        "501", "2147483648", "failed", "FAILED", "x", "%00", "%ZZ", "czE=", "czk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "@@"),
                        hostileText().map(v -> URLEncoder.encode(v, StandardCharsets.UTF_8))))
                .as((name, value) -> name + "=" + value);
        Arbitrary<String> target = Arbitraries.oneOf(
                parameter.list().ofMaxSize(4).map(ps -> "/api/messages" + (ps.isEmpty() ? "" : "?" + String.join("&", ps))),
                parameter.list().ofMinSize(1).ofMaxSize(2).map(ps -> "/api/endpoints?" + String.join("&", ps)));
        return target.map(t -> new Request("list-query", "GET", t, headers(null), null));
    }

    Arbitrary<Request> endpointActions() {
        Arbitrary<String> bodies = Arbitraries.oneOf(Arbitraries.just(""),
                field("overlap", durations().map(HostileRequests::json)).map(f -> "{" + f + "}"),
                field("reason", hostileText().map(HostileRequests::json)).map(f -> "{" + f + "}"),
                field("since", Arbitraries.of("\"+300000000-01-01T00:00:00Z\"", "\"1969-12-31T23:59:59Z\"", "\"2025-01-01T00:00:00Z\"", "null", "1",
                        "\"yesterday\"")).map(f -> "{" + f + "}"));
        return Combinators.combine(Arbitraries.of("POST rotate-secret", "POST disable", "POST enable", "POST replay", "DELETE ", "GET ",
                        "POST replay@messages", "GET @messages", "GET @deliveries", "POST replay@deliveries"), pathIds(), bodies, contentTypes())
                .as((action, id, body, type) -> {
                    String[] parts = action.split(" ", 2);
                    String suffix = parts[1];
                    String collection = "endpoints";
                    if (suffix.contains("@")) {
                        collection = suffix.substring(suffix.indexOf('@') + 1);
                        suffix = suffix.substring(0, suffix.indexOf('@'));
                    }
                    String target = "/api/" + collection + "/" + id + (suffix.isEmpty() ? "" : "/" + suffix);
                    return new Request("endpoint-action", parts[0], target, headers(body.isEmpty() ? null : type),
                            body.isEmpty() ? null : body.getBytes(StandardCharsets.UTF_8));
                });
    }

    Arbitrary<Request> malformedBodies() {
        Arbitrary<byte[]> bytes = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(64),
                Arbitraries.of("{\"eventType\":\"a\",\"payload\":{\"x\":\"\u00ff\"}}").map(s -> s.getBytes(StandardCharsets.ISO_8859_1)),
                Arbitraries.of(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', '}'},
                        new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '{', '}'}, new byte[] {'{', '"', 'a', '"', ':', (byte) 0xc0, (byte) 0xaf, '}'}),
                Arbitraries.of("{\"eventType\":", "{\"a\":1}{", "[1,", "{'a':1}", "{\"a\":\"\\x\"}", "{\"a\":1,\"a\":2}", "[]", "\"text\"", "null",
                        "{\"eventType\":\"a\",\"payload\":01}", "{/*c*/}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":\"\u0001\"}",
                        "[".repeat(5000) + "]".repeat(5000), "{\"a\":" + "9".repeat(5000) + "}", "{\"a\":\"" + "\\u0000".repeat(1000) + "\"}",
                        "{\"eventType\":\"a\",\"payload\":" + "[".repeat(900) + "]".repeat(900) + "}", " ", "{}", "\u0000")
                        .map(s -> s.getBytes(StandardCharsets.UTF_8)));
        return Combinators.combine(Arbitraries.of("/api/messages", "/api/endpoints", "/api/endpoints/ep_sacrificial/disable"), bytes,
                        contentTypes(), Arbitraries.of("POST", "PATCH", "PUT"))
                .as((target, body, type, method) -> new Request("malformed-body", method, target, headers(type), body));
    }

    Arbitrary<Request> oddMethodsAndPaths() {
        // CONNECT is left out: Jetty takes "CONNECT *" as a tunnel and holds the connection until its idle timeout.
        Arbitrary<String> methods = Arbitraries.oneOf(Arbitraries.of("GET", "POST", "TRACE", "OPTIONS", "HEAD", "PROPFIND", "M-SEARCH", "get",
                        "BREW", "QUERY"),
                Arbitraries.strings().withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(12).filter(m -> !m.equals("CONNECT")));
        Arbitrary<String> targets = Arbitraries.oneOf(
                Arbitraries.of("/api/endpoints/%ZZ", "/api/%00", "/%2e%2e/%2e%2e/etc/passwd", "//api//endpoints", "/api/endpoints?%",
                        "/dashboard/../../pom.xml", "/dashboard/%2e%2e/%2e%2e/", "/metrics?x=1", "/health/ready", "/api/messages/%00",
                        "/api/", "/api", "/assets/chart.umd.js?%ZZ", "/api/endpoints/a;b", "/api/endpoints/%C0%AE", "/api/\u00e9",
                        "*", "http://127.0.0.1/api/endpoints", "/api/endpoints#frag", "/api/endpoints/x/../../health/live"),
                Arbitraries.integers().between(1, 40_000).map(n -> "/api/" + "x".repeat(n)),
                Arbitraries.strings().withCharRange('!', '~').ofMaxLength(60).map(s -> "/api/" + s));
        return Combinators.combine(methods, targets).as((m, t) -> new Request("odd-method-or-path", m, t, headers(null), null));
    }

    Arbitrary<Request> oversizedHeaders() {
        return Combinators.combine(Arbitraries.integers().between(4_000, 64_000), Arbitraries.integers().between(1, 300))
                .as((size, count) -> {
                    Map<String, String> headers = headers(null);
                    headers.put("X-Big", "y".repeat(size));
                    for (int i = 0; i < count; i++) {
                        headers.put("X-Many-" + i, "v");
                    }
                    return new Request("oversized-headers", "GET", "/api/endpoints", headers, null);
                });
    }

    Arbitrary<Request> authProblems() {
        return Arbitraries.of("none", "wrong", "long", "nul", "basic", "x-api-key", "empty").map(kind -> {
            Map<String, String> headers = new LinkedHashMap<>();
            switch (kind) {
                case "wrong" -> headers.put("Authorization", "Bearer ek_not-a-key");
                case "long" -> headers.put("Authorization", "Bearer " + "k".repeat(7000));
                case "nul" -> headers.put("X-Api-Key", "ek_\u0000");
                case "basic" -> headers.put("Authorization", "Basic YWRtaW46YWRtaW4=");
                case "x-api-key" -> headers.put("X-Api-Key", key + "x");
                case "empty" -> headers.put("Authorization", "Bearer ");
                default -> { }
            }
            return new Request("auth-problem", "POST", "/api/endpoints", headers,
                    "{\"url\":\"http://127.0.0.1:1/x\"}".getBytes(StandardCharsets.UTF_8));
        });
    }

    /** A summary of a request class for the report. */
    public static String describeKinds() {
        return List.of("create-endpoint", "patch-endpoint", "send-message", "list-query", "endpoint-action", "malformed-body",
                "odd-method-or-path", "oversized-headers", "auth-problem").stream().collect(Collectors.joining(", "));
    }
}
