package dev.endure.delivery.transport;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a receiver answered: status, headers (names in lower case), the first bytes of the body (bounded,
 * for the attempt history) and how long the exchange took.
 */
public record WebhookResponse(int status, Map<String, List<String>> headers, String bodySnippet, Duration latency) {

    public WebhookResponse {
        headers = Map.copyOf(headers);
    }

    /** The first value of a header, matched case-insensitively. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
}
