package dev.endure.delivery.signing;

import dev.endure.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Verifies Standard Webhooks {@code v1a} (ed25519) signatures on the receiving side, with the same
 * timestamp rules as {@link WebhookVerifier}: at least one {@code v1a} signature in the header must verify
 * under one of the receiver's public keys (several during a rotation); {@code v1} entries are ignored.
 *
 * <pre>{@code
 * Ed25519WebhookVerifier verifier = Ed25519WebhookVerifier.of(Ed25519PublicKey.parse(System.getenv("WEBHOOK_PUBLIC_KEY")));
 * verifier.verify(body, headers);   // throws WebhookVerificationException when it does not verify
 * }</pre>
 */
public final class Ed25519WebhookVerifier {

    private final List<Ed25519PublicKey> keys;
    private final Duration tolerance;
    private final Clock clock;

    private Ed25519WebhookVerifier(List<Ed25519PublicKey> keys, Duration tolerance, Clock clock) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("a v1a webhook verifier needs at least one public key");
        }
        if (tolerance.isNegative()) {
            throw new IllegalArgumentException("tolerance must not be negative (was " + tolerance + ")");
        }
        this.keys = List.copyOf(keys);
        this.tolerance = tolerance;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A verifier for one or more public keys, 5-minute tolerance, system clock. */
    public static Ed25519WebhookVerifier of(Ed25519PublicKey... keys) {
        return new Ed25519WebhookVerifier(List.of(keys), WebhookVerifier.DEFAULT_TOLERANCE, Clock.system());
    }

    /** A verifier with an explicit tolerance and clock (tests use a virtual clock). */
    public static Ed25519WebhookVerifier of(List<Ed25519PublicKey> keys, Duration tolerance, Clock clock) {
        return new Ed25519WebhookVerifier(keys, tolerance, clock);
    }

    /** Verifies a request given its headers (names matched case-insensitively). */
    public void verify(String payload, Map<String, String> headers) throws WebhookVerificationException {
        verify(payload, WebhookVerifier.header(headers, WebhookSigner.ID_HEADER), WebhookVerifier.header(headers, WebhookSigner.TIMESTAMP_HEADER),
                WebhookVerifier.header(headers, WebhookSigner.SIGNATURE_HEADER));
    }

    /** Verifies a request given the three header values. */
    public void verify(String payload, String id, String timestamp, String signatureHeader) throws WebhookVerificationException {
        long seconds = WebhookVerifier.checkedSeconds(id, timestamp, signatureHeader, tolerance, clock);
        int seen = 0;
        for (String part : signatureHeader.trim().split(" +")) {
            if (!part.startsWith("v1a,")) {
                continue;
            }
            seen++;
            for (Ed25519PublicKey key : keys) {
                if (key.verifies(id, seconds, payload, part.substring(4))) {
                    return;
                }
            }
        }
        throw new WebhookVerificationException(seen == 0
                ? "no v1a signature in " + WebhookSigner.SIGNATURE_HEADER
                : "none of " + seen + " v1a signatures verifies under any of " + keys.size() + " public keys");
    }
}
