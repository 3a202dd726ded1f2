package dev.endure.delivery.signing;

import java.util.Locale;

/**
 * How an endpoint's messages are signed (Standard Webhooks): {@code v1} with a shared secret (HMAC-SHA256), the
 * default, or {@code v1a} with an ed25519 key pair whose public half ({@code whpk_...}) is all the receiver needs.
 */
public enum SignatureScheme {
    V1("v1"),
    V1A("v1a");

    private final String label;

    SignatureScheme(String label) {
        this.label = label;
    }

    /** {@code v1} or {@code v1a}: the prefix of this scheme's header entries and its name in the API. */
    public String label() {
        return label;
    }

    /** A fresh secret of this scheme. */
    public SigningSecret generate() {
        return this == V1 ? WebhookSecret.generate() : Ed25519SigningKey.generate();
    }

    /**
     * {@code v1} or {@code v1a} (any case).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static SignatureScheme parse(String text) {
        if (text != null) {
            for (SignatureScheme scheme : values()) {
                if (scheme.label.equals(text.toLowerCase(Locale.ROOT))) {
                    return scheme;
                }
            }
        }
        throw new IllegalArgumentException("signature scheme must be v1 (HMAC-SHA256) or v1a (ed25519) (was '" + text + "')");
    }
}
