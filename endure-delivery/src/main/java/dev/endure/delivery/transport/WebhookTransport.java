package dev.endure.delivery.transport;

import java.io.IOException;

/**
 * Sends one webhook request. Implementations must connect only to {@link WebhookRequest#addresses()},
 * never re-resolve the URL's host: that is what keeps the SSRF check and the connection on the same
 * address.
 */
@FunctionalInterface
public interface WebhookTransport {

    /**
     * @return the receiver's answer, whatever its status
     * @throws IOException when no answer arrived (refused, reset, timed out, TLS failure)
     */
    WebhookResponse send(WebhookRequest request) throws IOException;
}
