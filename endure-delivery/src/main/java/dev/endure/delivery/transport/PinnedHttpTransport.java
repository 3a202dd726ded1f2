package dev.endure.delivery.transport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A small HTTP/1.1 client that connects to the addresses the SSRF guard vetted and nowhere else, while
 * keeping the URL's host name for the {@code Host} header, TLS SNI and certificate hostname checks.
 *
 * <p>Why not {@code java.net.http.HttpClient}: on Java 17 it always resolves the URL's host itself and
 * offers no resolver hook (the resolver SPI arrived in Java 18), so a check-then-send would let DNS
 * answer differently the second time (DNS rebinding). Rewriting the URL to the IP literal breaks TLS
 * (the certificate is checked against the IP) and needs the restricted {@code Host} header, which can
 * only be unlocked JVM-wide. A webhook POST needs little of HTTP: one request per connection
 * ({@code Connection: close}), a bounded read of the answer.
 */
public final class PinnedHttpTransport implements WebhookTransport {

    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private final Duration connectTimeout;
    private final int snippetBytes;
    private final SSLSocketFactory tls;
    private final String userAgent;

    private PinnedHttpTransport(Duration connectTimeout, int snippetBytes, SSLSocketFactory tls, String userAgent) {
        this.connectTimeout = connectTimeout;
        this.snippetBytes = snippetBytes;
        this.tls = tls;
        this.userAgent = userAgent;
    }

    /** 5 s connect timeout, 1 KiB response snippets, the JVM's default trust store. */
    public static PinnedHttpTransport create() {
        try {
            return new PinnedHttpTransport(Duration.ofSeconds(5), 1024, SSLContext.getDefault().getSocketFactory(),
                    "endure-delivery/0.1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no default TLS context in this JVM", e);
        }
    }

    public PinnedHttpTransport withConnectTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive (was " + timeout + ")");
        }
        return new PinnedHttpTransport(timeout, snippetBytes, tls, userAgent);
    }

    /** How many bytes of each response body to keep for the attempt history. */
    public PinnedHttpTransport withSnippetBytes(int bytes) {
        if (bytes < 0 || bytes > 64 * 1024) {
            throw new IllegalArgumentException("snippet size must be 0 to 65536 bytes (was " + bytes + ")");
        }
        return new PinnedHttpTransport(connectTimeout, bytes, tls, userAgent);
    }

    /** The TLS socket factory: e.g. one trusting a private CA. */
    public PinnedHttpTransport withTls(SSLContext context) {
        return new PinnedHttpTransport(connectTimeout, snippetBytes, context.getSocketFactory(), userAgent);
    }

    public PinnedHttpTransport withUserAgent(String agent) {
        checkHeaderValue("User-Agent", agent);
        return new PinnedHttpTransport(connectTimeout, snippetBytes, tls, agent);
    }

    @Override
    public WebhookResponse send(WebhookRequest request) throws IOException {
        URI url = request.url();
        boolean https = "https".equalsIgnoreCase(url.getScheme());
        int port = url.getPort() > 0 ? url.getPort() : https ? 443 : 80;
        String host = url.getHost().startsWith("[") ? url.getHost().substring(1, url.getHost().length() - 1) : url.getHost();
        for (Map.Entry<String, String> header : request.headers().entrySet()) {
            checkHeaderValue(header.getKey(), header.getValue());
        }
        long start = System.nanoTime();
        long deadline = start + request.timeout().toNanos();
        IOException lastFailure = null;
        // Try the vetted addresses in resolver order, as a browser would; never any other address.
        for (InetAddress address : request.addresses()) {
            Socket socket = new Socket();
            try {
                long remainingMillis = remainingMillis(deadline);
                socket.connect(new InetSocketAddress(address, port), (int) Math.min(remainingMillis, connectTimeout.toMillis()));
            } catch (IOException e) {
                closeQuietly(socket);
                lastFailure = e;
                if (System.nanoTime() >= deadline) {
                    break;
                }
                continue;
            }
            try {
                Socket connected = https ? startTls(socket, host, port) : socket;
                return exchange(connected, url, host, port, https, request, start, deadline);
            } finally {
                closeQuietly(socket);
            }
        }
        throw lastFailure != null ? lastFailure : new IOException("no address to connect to for " + url);
    }

    private Socket startTls(Socket socket, String host, int port) throws IOException {
        SSLSocket ssl = (SSLSocket) tls.createSocket(socket, host, port, true);
        SSLParameters parameters = ssl.getSSLParameters();
        // Check the certificate against the URL's name, not the IP we connected to.
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        if (!isIpLiteral(host)) {
            parameters.setServerNames(List.of(new SNIHostName(host)));
        }
        ssl.setSSLParameters(parameters);
        ssl.startHandshake();
        return ssl;
    }

    private WebhookResponse exchange(Socket socket, URI url, String host, int port, boolean https, WebhookRequest request,
            long start, long deadline) throws IOException {
        byte[] body = request.body().getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(512);
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        boolean defaultPort = port == (https ? 443 : 80);
        String hostHeader = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + (defaultPort ? "" : ":" + port);
        head.append("POST ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostHeader).append("\r\n")
                .append("User-Agent: ").append(userAgent).append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Content-Length: ").append(body.length).append("\r\n")
                .append("Connection: close\r\n");
        for (Map.Entry<String, String> header : request.headers().entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("host") || name.equals("content-length") || name.equals("connection")) {
                continue; // framing headers are ours to set
            }
            head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
        }
        head.append("\r\n");
        socket.setSoTimeout((int) remainingMillis(deadline));
        OutputStream out = socket.getOutputStream();
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();

        InputStream in = new BufferedInputStream(socket.getInputStream());
        while (true) {
            String statusLine = readLine(in, socket, deadline);
            int status = parseStatus(statusLine);
            Map<String, List<String>> headers = readHeaders(in, socket, deadline);
            if (status >= 100 && status < 200) {
                continue; // interim answers (100 Continue) precede the real one
            }
            String snippet = readSnippet(in, socket, deadline, headers, status);
            return new WebhookResponse(status, headers, snippet, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private static int parseStatus(String line) throws IOException {
        // "HTTP/1.1 200 OK"; the reason phrase is optional.
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
            throw new IOException("malformed HTTP status line: '" + abbreviate(line) + "'");
        }
        try {
            return Integer.parseInt(line.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("malformed HTTP status line: '" + abbreviate(line) + "'");
        }
    }

    private Map<String, List<String>> readHeaders(InputStream in, Socket socket, long deadline) throws IOException {
        Map<String, List<String>> headers = new HashMap<>();
        int total = 0;
        while (true) {
            String line = readLine(in, socket, deadline);
            if (line.isEmpty()) {
                return headers;
            }
            total += line.length();
            if (total > MAX_HEADER_BYTES) {
                throw new IOException("response headers exceed " + MAX_HEADER_BYTES + " bytes");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            headers.computeIfAbsent(name, key -> new ArrayList<>()).add(line.substring(colon + 1).trim());
        }
    }

    private String readSnippet(InputStream in, Socket socket, long deadline, Map<String, List<String>> headers, int status)
            throws IOException {
        if (snippetBytes == 0 || status == 204 || status == 304) {
            return "";
        }
        ByteArrayOutputStream snippet = new ByteArrayOutputStream(Math.min(snippetBytes, 1024));
        List<String> encoding = headers.get("transfer-encoding");
        if (encoding != null && encoding.toString().toLowerCase(Locale.ROOT).contains("chunked")) {
            while (snippet.size() < snippetBytes) {
                String sizeLine = readLine(in, socket, deadline);
                int semicolon = sizeLine.indexOf(';');
                int size;
                try {
                    size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
                } catch (NumberFormatException e) {
                    break; // a broken chunk header only costs us the snippet
                }
                if (size <= 0) {
                    break;
                }
                copy(in, snippet, Math.min(size, snippetBytes - snippet.size()), socket, deadline);
                if (snippet.size() >= snippetBytes) {
                    break;
                }
                readLine(in, socket, deadline); // the CRLF after the chunk
            }
        } else {
            List<String> length = headers.get("content-length");
            long limit = snippetBytes;
            if (length != null) {
                try {
                    limit = Math.min(limit, Long.parseLong(length.get(0)));
                } catch (NumberFormatException ignored) {
                    // read up to the snippet size then
                }
            }
            copy(in, snippet, (int) limit, socket, deadline);
        }
        return snippet.toString(StandardCharsets.UTF_8);
    }

    private static void copy(InputStream in, ByteArrayOutputStream out, int count, Socket socket, long deadline) throws IOException {
        byte[] buffer = new byte[Math.min(Math.max(count, 1), 8192)];
        int left = count;
        while (left > 0) {
            socket.setSoTimeout((int) remainingMillis(deadline));
            int read = in.read(buffer, 0, Math.min(buffer.length, left));
            if (read < 0) {
                return;
            }
            out.write(buffer, 0, read);
            left -= read;
        }
    }

    private static String readLine(InputStream in, Socket socket, long deadline) throws IOException {
        socket.setSoTimeout((int) remainingMillis(deadline));
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (line.length() == 0) {
                    throw new IOException("connection closed before a complete HTTP response");
                }
                return line.toString();
            }
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            if (line.length() >= MAX_HEADER_BYTES) {
                throw new IOException("HTTP response line exceeds " + MAX_HEADER_BYTES + " bytes");
            }
            line.append((char) b);
        }
    }

    private static long remainingMillis(long deadline) throws SocketTimeoutException {
        long remaining = (deadline - System.nanoTime()) / 1_000_000;
        if (remaining <= 0) {
            throw new SocketTimeoutException("webhook request timed out");
        }
        return Math.min(remaining, Integer.MAX_VALUE);
    }

    private static void checkHeaderValue(String name, String value) {
        Objects.requireNonNull(value, name);
        if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c == ':' || c >= 127)
                || value.chars().anyMatch(c -> c == '\r' || c == '\n')) {
            // A CR or LF would let a payload author inject headers or a second request.
            throw new IllegalArgumentException("invalid HTTP header " + abbreviate(name) + ": names must be tokens and values single-line");
        }
    }

    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more to do with a socket we are done with
        }
    }

    @Override
    public String toString() {
        return "PinnedHttpTransport[connect " + connectTimeout + ", snippet " + snippetBytes + " B]";
    }
}
