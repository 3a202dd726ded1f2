package dev.endure.http;

import java.net.URI;

/** URLs fit for logs and error messages: no user info, no query string, no fragment (they carry secrets). */
final class SafeUrls {

    private SafeUrls() {}

    /** {@code https://api.example.com:8443/v1/charges?key=sk_live_x} becomes {@code https://api.example.com:8443/v1/charges}. */
    static String redact(URI uri) {
        if (uri == null) {
            return "(no URL)";
        }
        StringBuilder text = new StringBuilder();
        if (uri.getScheme() != null) {
            text.append(uri.getScheme()).append("://");
        }
        if (uri.getHost() != null) {
            text.append(uri.getHost());
            if (uri.getPort() >= 0) {
                text.append(':').append(uri.getPort());
            }
        }
        String path = uri.getRawPath();
        text.append(path == null || path.isEmpty() ? "/" : path);
        return text.toString();
    }

    /** The key of a host's lane: scheme, host and effective port. */
    static String hostKey(URI uri) {
        String scheme = uri.getScheme() == null ? "http" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
        String host = uri.getHost() == null ? "(no host)" : uri.getHost().toLowerCase(java.util.Locale.ROOT);
        return host + ":" + port;
    }
}
