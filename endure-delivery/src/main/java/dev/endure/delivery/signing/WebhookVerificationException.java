package dev.endure.delivery.signing;

/** A webhook failed verification; the message says why, never with a secret or an expected signature. */
public final class WebhookVerificationException extends Exception {

    public WebhookVerificationException(String message) {
        super(message);
    }
}
