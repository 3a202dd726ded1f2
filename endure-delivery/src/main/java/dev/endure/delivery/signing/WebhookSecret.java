package dev.endure.delivery.signing;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A Standard Webhooks signing secret: raw key bytes, written as {@code whsec_} + base64. Its
 * {@link #toString()} never shows the key, so a secret that reaches a log or an error message leaks
 * nothing but its length.
 *
 * <pre>{@code
 * WebhookSecret secret = WebhookSecret.generate();        // 32 random bytes
 * String stored = secret.encoded();                       // "whsec_..."; give it to the receiver once
 * WebhookSecret again = WebhookSecret.parse(stored);
 * }</pre>
 */
public final class WebhookSecret implements SigningSecret {

    /** The spec's lower bound: shorter keys make HMAC-SHA256 easier to brute-force. */
    public static final int MIN_BYTES = 24;
    /** The spec's upper bound. */
    public static final int MAX_BYTES = 64;
    /** What {@link #generate()} uses. */
    public static final int DEFAULT_BYTES = 32;

    private static final String PREFIX = "whsec_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;

    private WebhookSecret(byte[] key) {
        this.key = key;
    }

    /** A fresh secret of {@value #DEFAULT_BYTES} random bytes. */
    public static WebhookSecret generate() {
        return generate(DEFAULT_BYTES);
    }

    /** A fresh secret of {@code bytes} random bytes, between {@value #MIN_BYTES} and {@value #MAX_BYTES}. */
    public static WebhookSecret generate(int bytes) {
        checkLength(bytes, "generated secret");
        byte[] key = new byte[bytes];
        RANDOM.nextBytes(key);
        return new WebhookSecret(key);
    }

    /**
     * Reads a {@code whsec_}-prefixed secret (the prefix is optional, as receivers often strip it).
     *
     * @throws IllegalArgumentException if it is not base64 or decodes to fewer than {@value #MIN_BYTES}
     *     or more than {@value #MAX_BYTES} bytes (the message never contains the secret)
     */
    public static WebhookSecret parse(String encoded) {
        Objects.requireNonNull(encoded, "secret");
        String body = encoded.startsWith(PREFIX) ? encoded.substring(PREFIX.length()) : encoded;
        byte[] key;
        try {
            key = Base64.getDecoder().decode(body.trim());
        } catch (IllegalArgumentException notBase64) {
            throw new IllegalArgumentException("webhook secret is not valid base64 after the whsec_ prefix ("
                    + body.length() + " characters)");
        }
        checkLength(key.length, "webhook secret");
        return new WebhookSecret(key);
    }

    /** Wraps raw key bytes (copied). */
    public static WebhookSecret ofBytes(byte[] key) {
        checkLength(key.length, "webhook secret");
        return new WebhookSecret(key.clone());
    }

    private static void checkLength(int bytes, String what) {
        if (bytes < MIN_BYTES || bytes > MAX_BYTES) {
            throw new IllegalArgumentException(what + " must be " + MIN_BYTES + " to " + MAX_BYTES
                    + " bytes (was " + bytes + ")");
        }
    }

    /** The {@code whsec_...} form, for storage and for handing to the receiver. */
    @Override
    public String encoded() {
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** The {@code v1,<base64>} HMAC-SHA256 signature of {@code id.timestamp.payload}. */
    @Override
    public String sign(String messageId, long timestampSeconds, String payload) {
        return WebhookSigner.sign(this, messageId, timestampSeconds, payload);
    }

    @Override
    public SignatureScheme scheme() {
        return SignatureScheme.V1;
    }

    /** The key length in bytes. */
    public int length() {
        return key.length;
    }

    byte[] key() {
        return key;
    }

    @Override
    public boolean equals(Object other) {
        // Equality is only used to de-duplicate secret lists, never to authenticate, so a plain compare is fine.
        return other instanceof WebhookSecret that && Arrays.equals(key, that.key);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(key);
    }

    @Override
    public String toString() {
        return "WebhookSecret[" + key.length + " bytes, redacted]";
    }
}
