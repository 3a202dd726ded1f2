package dev.endure.delivery.signing;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook payloads the Standard Webhooks way: {@code v1,} + base64 HMAC-SHA256 of
 * {@code id.timestamp.payload} (or {@code v1a,} + base64 ed25519 for an {@link Ed25519SigningKey}), one signature
 * per secret, space-separated. Signing with several
 * secrets is how a key rotation overlaps: receivers holding either the old or the new secret verify.
 *
 * <pre>{@code
 * Map<String, String> headers = WebhookSigner.headers("msg_123", Instant.now(), body, List.of(secret));
 * }</pre>
 */
public final class WebhookSigner {

    public static final String ID_HEADER = "webhook-id";
    public static final String TIMESTAMP_HEADER = "webhook-timestamp";
    public static final String SIGNATURE_HEADER = "webhook-signature";
    /**
     * The message's event type, sent beside the Standard Webhooks headers. Not signed: the signature stays over
     * {@code id.timestamp.body} exactly as the spec says, so a receiver that needs the type authenticated reads it
     * from the body (or trusts it only after the signature checks, as it trusts the connection).
     */
    public static final String EVENT_TYPE_HEADER = "webhook-event-type";

    private WebhookSigner() {}

    /** The {@code v1,<base64>} signature of one message under one secret. */
    public static String sign(WebhookSecret secret, String messageId, long timestampSeconds, String payload) {
        Objects.requireNonNull(secret, "secret");
        checkId(messageId);
        Objects.requireNonNull(payload, "payload");
        byte[] mac = hmac(secret.key(), messageId + "." + timestampSeconds + "." + payload);
        return "v1," + Base64.getEncoder().encodeToString(mac);
    }

    /** The {@code webhook-signature} header value: every secret's signature, space-separated. */
    public static String signatureHeader(List<? extends SigningSecret> secrets, String messageId, long timestampSeconds, String payload) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one signing secret is needed to sign message " + messageId);
        }
        StringBuilder header = new StringBuilder();
        for (SigningSecret secret : secrets) {
            if (header.length() > 0) {
                header.append(' ');
            }
            header.append(secret.sign(messageId, timestampSeconds, payload));
        }
        return header.toString();
    }

    /** The three Standard Webhooks headers for one send, in a fixed order. */
    public static Map<String, String> headers(String messageId, Instant timestamp, String payload,
            List<? extends SigningSecret> secrets) {
        long seconds = timestamp.getEpochSecond();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(ID_HEADER, messageId);
        headers.put(TIMESTAMP_HEADER, Long.toString(seconds));
        headers.put(SIGNATURE_HEADER, signatureHeader(secrets, messageId, seconds, payload));
        return headers;
    }

    /** The bytes every scheme signs: {@code id.timestamp.payload}. */
    static byte[] signedContent(String messageId, long timestampSeconds, String payload) {
        checkId(messageId);
        Objects.requireNonNull(payload, "payload");
        return (messageId + "." + timestampSeconds + "." + payload).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * One {@code Mac} per thread, re-keyed for each signature: looking the algorithm up in the JCE providers cost more
     * than the HMAC itself for a webhook-sized payload (a provider search and a new object per signature).
     */
    private static final ThreadLocal<Mac> MACS = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java SE runtime must provide HmacSHA256; reaching here means a broken JCE setup.
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    });

    static byte[] hmac(byte[] key, String content) {
        Mac mac = MACS.get();
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256")); // resets it too: nothing of an earlier signature carries over
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 refused a webhook key", e);
        }
        return mac.doFinal(content.getBytes(StandardCharsets.UTF_8));
    }

    private static void checkId(String messageId) {
        Objects.requireNonNull(messageId, "messageId");
        // The id is part of the signed content; a '.' would make "a.b" + "c" and "a" + "b.c" sign alike.
        if (messageId.isEmpty() || messageId.indexOf('.') >= 0 || messageId.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("webhook message id must be non-empty without '.' or spaces (was '" + messageId + "')");
        }
    }
}
