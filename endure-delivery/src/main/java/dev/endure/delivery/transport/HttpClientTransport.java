package dev.endure.delivery.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The webhook transport: Apache HttpClient 5 with keep-alive connection pools, connecting only to the
 * addresses the SSRF guard vetted.
 *
 * <p>How the guard's decision is kept: each request's target is an {@link HttpHost} carrying the URL's
 * host name <em>and</em> one vetted address, so HttpClient connects to that address (it resolves nothing),
 * sends the name in {@code Host}, TLS SNI and checks the certificate against the name. Pools are kept per
 * (scheme, host name, vetted address, port): a connection is only ever reused for the name and address it
 * was opened for. The {@link DnsResolver} refuses every name but the configured proxy's, so no code path
 * can reach an address the guard did not see. Redirects are not followed and nothing is retried here
 * (a webhook POST is retried by the delivery engine, with its fencing and accounting).
 *
 * <p>With a forward proxy ({@link Builder#proxy(URI)}), requests go through it ({@code CONNECT} for
 * https); the proxy then resolves the webhook host itself, so it should enforce its own egress rules.
 *
 * <pre>{@code
 * HttpClientTransport transport = HttpClientTransport.builder().proxy(URI.create("http://egress:3128")).build();
 * }</pre>
 */
public final class HttpClientTransport implements WebhookTransport, AutoCloseable {

    private static final ContentType JSON = ContentType.create("application/json", (Charset) null);
    /** Bytes of a response drained after the snippet so its connection can be reused; a longer body closes it. */
    private static final int DRAIN_LIMIT = 64 * 1024;

    private final CloseableHttpClient client;
    private final PoolingHttpClientConnectionManager pool;
    private final ScheduledExecutorService deadlines;
    private final int snippetBytes;
    private final Duration connectTimeout;
    private final HttpHost proxy;
    private final AtomicLong connectionsOpened = new AtomicLong();

    private HttpClientTransport(Builder b) {
        this.snippetBytes = b.snippetBytes;
        this.connectTimeout = b.connectTimeout;
        this.proxy = b.proxy == null ? null : new HttpHost(b.proxy.getScheme(), b.proxy.getHost(), b.proxy.getPort());
        String proxyHost = proxy == null ? null : proxy.getHostName();
        DnsResolver onlyTheProxy = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                if (host.equalsIgnoreCase(proxyHost)) {
                    return InetAddress.getAllByName(host);
                }
                throw new UnknownHostException("webhook host " + host + " has no vetted address; the transport resolves no names itself");
            }

            @Override
            public String resolveCanonicalHostname(String host) throws UnknownHostException {
                return host;
            }
        };
        this.pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(onlyTheProxy)
                // The JDK checks the certificate against the URL's name during the handshake (SNI is that name too),
                // and HttpClient's verifier checks it again afterwards.
                .setTlsSocketStrategy(new DefaultClientTlsStrategy(b.tls, HostnameVerificationPolicy.BOTH, null))
                .setConnectionFactory(new CountingConnectionFactory(connectionsOpened))
                .setMaxConnPerRoute(b.maxConnectionsPerAddress)
                .setMaxConnTotal(b.maxConnectionsTotal)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(b.connectTimeout))
                        .setSocketTimeout(Timeout.ofSeconds(30))
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .setTimeToLive(TimeValue.ofMinutes(5))
                        .build())
                .build();
        var builder = HttpClients.custom()
                .setConnectionManager(pool)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .disableContentCompression()
                .evictIdleConnections(TimeValue.ofSeconds(30))
                .setUserAgent(b.userAgent);
        if (proxy != null) {
            builder.setProxy(proxy);
        }
        this.client = builder.build();
        this.deadlines = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "endure-webhook-deadlines");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Defaults: 5 s connect timeout, 1 KiB response snippets, the JVM's trust store, no proxy. */
    public static HttpClientTransport create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How many TCP connections this transport has opened (to receivers or the proxy). */
    public long connectionsOpened() {
        return connectionsOpened.get();
    }

    @Override
    public WebhookResponse send(WebhookRequest request) throws IOException {
        URI url = request.url();
        for (Map.Entry<String, String> header : request.headers().entrySet()) {
            checkHeaderValue(header.getKey(), header.getValue());
        }
        String scheme = url.getScheme().toLowerCase(Locale.ROOT);
        int port = url.getPort() > 0 ? url.getPort() : scheme.equals("https") ? 443 : 80;
        String host = url.getHost().startsWith("[") ? url.getHost().substring(1, url.getHost().length() - 1) : url.getHost();
        long start = System.nanoTime();
        long deadline = start + request.timeout().toNanos();
        IOException lastFailure = null;
        // Vetted addresses in resolver order; a refused connect moves on to the next, nothing else does.
        for (InetAddress address : request.addresses()) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                break;
            }
            try {
                return exchange(new HttpHost(scheme, address, host, port), url, request, start, remaining);
            } catch (ConnectException | NoRouteToHostException e) {
                lastFailure = e;
            }
        }
        if (lastFailure != null) {
            throw lastFailure;
        }
        throw new SocketTimeoutException("webhook request to " + url + " timed out before connecting");
    }

    private WebhookResponse exchange(HttpHost target, URI url, WebhookRequest request, long start, long remainingNanos)
            throws IOException {
        HttpPost post = new HttpPost(url);
        Timeout timeout = Timeout.of(remainingNanos, TimeUnit.NANOSECONDS);
        post.setConfig(RequestConfig.custom().setResponseTimeout(timeout).setConnectionRequestTimeout(timeout).build());
        for (Map.Entry<String, String> header : request.headers().entrySet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (!name.equals("host") && !name.equals("content-length") && !name.equals("connection") && !name.equals("transfer-encoding")) {
                post.addHeader(header.getKey(), header.getValue()); // framing headers are the client's to set
            }
        }
        post.setEntity(new ByteArrayEntity(request.body().getBytes(StandardCharsets.UTF_8), JSON));
        // The response timeout bounds each read; this bounds the whole exchange (a receiver trickling bytes).
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> watchdog = deadlines.schedule(() -> {
            expired.set(true);
            post.cancel();
        }, remainingNanos, TimeUnit.NANOSECONDS);
        try (CloseableHttpResponse response = client.execute(target, post, (org.apache.hc.core5.http.protocol.HttpContext) null)) {
            Map<String, List<String>> headers = new HashMap<>();
            for (Header header : response.getHeaders()) {
                headers.computeIfAbsent(header.getName().toLowerCase(Locale.ROOT), key -> new ArrayList<>()).add(header.getValue());
            }
            String snippet = readSnippet(response.getEntity());
            return new WebhookResponse(response.getCode(), headers, snippet, Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            if (expired.get() || e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
                SocketTimeoutException timedOut = new SocketTimeoutException("webhook request to " + url + " timed out after "
                        + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
                timedOut.initCause(e);
                throw timedOut;
            }
            throw e;
        } finally {
            watchdog.cancel(false);
        }
    }

    private String readSnippet(HttpEntity entity) throws IOException {
        if (entity == null) {
            return "";
        }
        try (InputStream in = entity.getContent()) {
            byte[] snippet = in.readNBytes(snippetBytes);
            byte[] sink = new byte[8192];
            int drained = 0;
            int read;
            while (drained < DRAIN_LIMIT && (read = in.read(sink)) >= 0) {
                drained += read;
            }
            return new String(snippet, StandardCharsets.UTF_8);
        }
    }

    private static void checkHeaderValue(String name, String value) {
        Objects.requireNonNull(value, name);
        if (!isToken(name) || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            // A CR or LF would let a payload author inject headers or a second request.
            String shown = name.length() <= 64 ? name : name.substring(0, 64) + "...";
            throw new IllegalArgumentException("invalid HTTP header " + shown + ": names must be tokens and values single-line");
        }
    }

    private static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c == ':' || c >= 127) {
                return false;
            }
        }
        return true;
    }

    /** Closes every pooled connection. */
    @Override
    public void close() {
        deadlines.shutdownNow();
        try {
            client.close();
        } catch (IOException ignored) {
            // closing sockets we are done with
        }
    }

    @Override
    public String toString() {
        return "HttpClientTransport[connect " + connectTimeout + ", snippet " + snippetBytes + " B"
                + (proxy == null ? "" : ", proxy " + proxy) + "]";
    }

    /** Counts connections as HttpClient creates them (the benchmark's connections-per-delivery figure). */
    private static final class CountingConnectionFactory
            implements org.apache.hc.core5.http.io.HttpConnectionFactory<org.apache.hc.client5.http.io.ManagedHttpClientConnection> {
        private final AtomicLong opened;

        CountingConnectionFactory(AtomicLong opened) {
            this.opened = opened;
        }

        @Override
        public org.apache.hc.client5.http.io.ManagedHttpClientConnection createConnection(java.net.Socket socket) throws IOException {
            opened.incrementAndGet();
            return ManagedHttpClientConnectionFactory.INSTANCE.createConnection(socket);
        }
    }

    /** Builds an {@link HttpClientTransport}; every setting is checked when set. */
    public static final class Builder {
        private Duration connectTimeout = Duration.ofSeconds(5);
        private int snippetBytes = 1024;
        private SSLContext tls;
        private String userAgent = "endure-delivery/0.1";
        private URI proxy;
        private int maxConnectionsPerAddress = 256;
        private int maxConnectionsTotal = 2048;

        private Builder() {}

        public Builder connectTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connect timeout must be positive (was " + timeout + ")");
            }
            this.connectTimeout = timeout;
            return this;
        }

        /** How many bytes of each response body to keep for the attempt history. */
        public Builder snippetBytes(int bytes) {
            if (bytes < 0 || bytes > 64 * 1024) {
                throw new IllegalArgumentException("snippet size must be 0 to 65536 bytes (was " + bytes + ")");
            }
            this.snippetBytes = bytes;
            return this;
        }

        /** The TLS context: e.g. one trusting a private CA. Hostname verification stays on. */
        public Builder tls(SSLContext context) {
            this.tls = Objects.requireNonNull(context, "tls");
            return this;
        }

        public Builder userAgent(String agent) {
            checkHeaderValue("User-Agent", agent);
            this.userAgent = agent;
            return this;
        }

        /** A forward proxy, {@code http://host:port}; null for direct connections. */
        public Builder proxy(URI value) {
            if (value != null && (!"http".equalsIgnoreCase(value.getScheme()) || value.getHost() == null || value.getPort() <= 0)) {
                throw new IllegalArgumentException("proxy must look like http://host:port (was " + value + ")");
            }
            this.proxy = value;
            return this;
        }

        /** Keep-alive connections kept per (host name, vetted address, port); also the most requests in flight to one. */
        public Builder maxConnectionsPerAddress(int value) {
            if (value < 1 || value > 10_000) {
                throw new IllegalArgumentException("maxConnectionsPerAddress must be 1 to 10000 (was " + value + ")");
            }
            this.maxConnectionsPerAddress = value;
            this.maxConnectionsTotal = Math.max(maxConnectionsTotal, value);
            return this;
        }

        public HttpClientTransport build() {
            if (tls == null) {
                try {
                    tls = SSLContext.getDefault();
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException("no default TLS context in this JVM", e);
                }
            }
            return new HttpClientTransport(this);
        }
    }
}
