package dev.endure.delivery.signing;

import java.util.Objects;

/**
 * What signs an endpoint's messages: a symmetric {@link WebhookSecret} ({@code v1}, HMAC-SHA256, {@code whsec_...}) or
 * an asymmetric {@link Ed25519SigningKey} ({@code v1a}, ed25519, {@code whsk_...}). Both sign the same content,
 * {@code id.timestamp.payload}; {@link SigningKeys} holds them over a rotation and {@link WebhookSigner} puts their
 * signatures in one {@code webhook-signature} header.
 */
public sealed interface SigningSecret permits WebhookSecret, Ed25519SigningKey {

    /** The header entry for one message: {@code v1,<base64>} or {@code v1a,<base64>}. */
    String sign(String messageId, long timestampSeconds, String payload);

    /** The stored form ({@code whsec_...} or {@code whsk_...}); for the sender's store only when it is a private key. */
    String encoded();

    SignatureScheme scheme();

    /**
     * Reads either stored form, by its prefix.
     *
     * @throws IllegalArgumentException saying what is wrong, never echoing the secret
     */
    static SigningSecret parse(String encoded) {
        Objects.requireNonNull(encoded, "encoded");
        return encoded.startsWith(Ed25519SigningKey.PREFIX) ? Ed25519SigningKey.parse(encoded) : WebhookSecret.parse(encoded);
    }
}
