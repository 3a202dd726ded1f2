package dev.endure.delivery.transport;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One webhook POST: the endpoint URL (its host goes into {@code Host} and TLS SNI), the addresses the
 * SSRF guard vetted (the only ones the transport may connect to), headers, body and a total timeout.
 */
public record WebhookRequest(URI url, List<InetAddress> addresses, Map<String, String> headers, String body, Duration timeout) {

    public WebhookRequest {
        Objects.requireNonNull(url, "url");
        addresses = List.copyOf(addresses);
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a webhook request needs at least one vetted address for " + url);
        }
        headers = Map.copyOf(headers);
        Objects.requireNonNull(body, "body");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("webhook timeout must be positive (was " + timeout + ")");
        }
    }
}
