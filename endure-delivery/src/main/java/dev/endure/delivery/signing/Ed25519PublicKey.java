package dev.endure.delivery.signing;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/** A Standard Webhooks {@code v1a} verification key: {@code whpk_} + base64 of a 32-byte ed25519 public key. Not secret. */
public final class Ed25519PublicKey {

    public static final String PREFIX = "whpk_";

    private final byte[] raw;
    private final PublicKey key;

    private Ed25519PublicKey(byte[] raw) {
        this.raw = raw.clone();
        this.key = Ed25519Keys.publicKey(this.raw);
    }

    static Ed25519PublicKey of(byte[] raw) {
        return new Ed25519PublicKey(raw);
    }

    /** Reads {@code whpk_...}. */
    public static Ed25519PublicKey parse(String text) {
        Objects.requireNonNull(text, "text");
        if (!text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("an ed25519 public key starts with " + PREFIX + " (was '"
                    + (text.length() > 12 ? text.substring(0, 12) + "..." : text) + "')");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(text.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an ed25519 public key is " + PREFIX + " followed by base64");
        }
        if (raw.length != Ed25519Keys.KEY_BYTES) {
            throw new IllegalArgumentException("an ed25519 public key holds 32 bytes, not " + raw.length);
        }
        return new Ed25519PublicKey(raw);
    }

    public String encoded() {
        return PREFIX + Base64.getEncoder().encodeToString(raw);
    }

    /** Whether {@code signature} (raw base64, without {@code v1a,}) signs {@code id.timestamp.payload} under this key. */
    boolean verifies(String messageId, long timestampSeconds, String payload, String signatureBase64) {
        byte[] given;
        try {
            given = Base64.getDecoder().decode(signatureBase64.getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
        if (given.length != 64) {
            return false;
        }
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initVerify(key);
            signature.update(WebhookSigner.signedContent(messageId, timestampSeconds, payload));
            return signature.verify(given);
        } catch (java.security.SignatureException malformed) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JVM", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Ed25519PublicKey that && Arrays.equals(raw, that.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return encoded();
    }
}
