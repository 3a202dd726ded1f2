package dev.endure.delivery.signing;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A Standard Webhooks asymmetric signing key ({@code v1a}, ed25519): written {@code whsk_} + base64 of
 * the 32-byte seed followed by the 32-byte public key. The sender keeps it; receivers get only
 * {@link #publicKey()} ({@code whpk_...}), which verifies but cannot sign. Its {@link #toString()} never
 * shows the key.
 *
 * <pre>{@code
 * Ed25519SigningKey key = Ed25519SigningKey.generate();
 * String header = key.sign("msg_1", 1614265330, body);   // "v1a,<base64 signature>"
 * String forReceiver = key.publicKey().encoded();         // "whpk_..."
 * }</pre>
 */
public final class Ed25519SigningKey implements SigningSecret {

    public static final String PREFIX = "whsk_";

    private final byte[] seedAndPublic;
    private final PrivateKey privateKey;
    private final Ed25519PublicKey publicKey;

    private Ed25519SigningKey(byte[] seedAndPublic) {
        this.seedAndPublic = seedAndPublic;
        this.privateKey = Ed25519Keys.privateKey(Arrays.copyOf(seedAndPublic, Ed25519Keys.KEY_BYTES));
        this.publicKey = Ed25519PublicKey.of(Arrays.copyOfRange(seedAndPublic, Ed25519Keys.KEY_BYTES, 2 * Ed25519Keys.KEY_BYTES));
    }

    /** A fresh key pair. */
    public static Ed25519SigningKey generate() {
        return new Ed25519SigningKey(Ed25519Keys.generate());
    }

    /**
     * Reads {@code whsk_...}; the public half must be the one the seed makes (a mismatched pair would sign
     * what no receiver verifies).
     *
     * @throws IllegalArgumentException saying what is wrong, never echoing the key
     */
    public static Ed25519SigningKey parse(String text) {
        Objects.requireNonNull(text, "text");
        if (!text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("an ed25519 signing key starts with " + PREFIX);
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(text.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an ed25519 signing key is " + PREFIX + " followed by base64");
        }
        if (raw.length != 2 * Ed25519Keys.KEY_BYTES) {
            throw new IllegalArgumentException("an ed25519 signing key holds 64 bytes (seed, then public key), not " + raw.length);
        }
        Ed25519SigningKey key = new Ed25519SigningKey(raw);
        String probe = key.sign("msg_check", 0, "");
        if (!key.publicKey.verifies("msg_check", 0, "", probe.substring(4))) {
            throw new IllegalArgumentException("the public half of this ed25519 signing key does not belong to its seed");
        }
        return key;
    }

    /** {@code whsk_...}, for the sender's store only. */
    @Override
    public String encoded() {
        return PREFIX + Base64.getEncoder().encodeToString(seedAndPublic);
    }

    /** What receivers verify with. */
    public Ed25519PublicKey publicKey() {
        return publicKey;
    }

    @Override
    public SignatureScheme scheme() {
        return SignatureScheme.V1A;
    }

    /** The {@code v1a,<base64>} signature of {@code id.timestamp.payload}. */
    @Override
    public String sign(String messageId, long timestampSeconds, String payload) {
        byte[] content = WebhookSigner.signedContent(messageId, timestampSeconds, payload);
        try {
            Signature signature = Signature.getInstance("Ed25519");
            signature.initSign(privateKey);
            signature.update(content);
            return "v1a," + Base64.getEncoder().encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JVM", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Ed25519SigningKey that && Arrays.equals(seedAndPublic, that.seedAndPublic);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(seedAndPublic);
    }

    @Override
    public String toString() {
        return "Ed25519SigningKey[public " + publicKey.encoded() + "]";
    }
}
