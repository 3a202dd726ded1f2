package dev.endure.delivery.signing;

import dev.endure.Clock;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Verifies Standard Webhooks signatures on the receiving side: the timestamp must lie within the
 * tolerance of now (5 minutes by default, so a captured request cannot be replayed later), and at least
 * one {@code v1} signature in the header must match one of the receiver's secrets. Signatures are
 * compared in constant time.
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.of(WebhookSecret.parse(System.getenv("WEBHOOK_SECRET")));
 * verifier.verify(body, headers);   // throws WebhookVerificationException when it does not verify
 * }</pre>
 */
public final class WebhookVerifier {

    /** The spec's recommended tolerance. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    private static final java.util.regex.Pattern CANONICAL_SECONDS = java.util.regex.Pattern.compile("0|-?[1-9][0-9]{0,18}");

    private final List<WebhookSecret> secrets;
    private final Duration tolerance;
    private final Clock clock;

    private WebhookVerifier(List<WebhookSecret> secrets, Duration tolerance, Clock clock) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("a webhook verifier needs at least one secret");
        }
        if (tolerance.isNegative()) {
            throw new IllegalArgumentException("tolerance must not be negative (was " + tolerance + ")");
        }
        this.secrets = List.copyOf(secrets);
        this.tolerance = tolerance;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A verifier for one or more secrets (several during a rotation), 5-minute tolerance, system clock. */
    public static WebhookVerifier of(WebhookSecret... secrets) {
        return new WebhookVerifier(List.of(secrets), DEFAULT_TOLERANCE, Clock.system());
    }

    /** A verifier with an explicit tolerance and clock (tests use a virtual clock). */
    public static WebhookVerifier of(List<WebhookSecret> secrets, Duration tolerance, Clock clock) {
        return new WebhookVerifier(secrets, tolerance, clock);
    }

    /**
     * Verifies a request given its headers (names matched case-insensitively).
     *
     * @throws WebhookVerificationException naming what is missing or wrong
     */
    public void verify(String payload, Map<String, String> headers) throws WebhookVerificationException {
        verify(payload, header(headers, WebhookSigner.ID_HEADER), header(headers, WebhookSigner.TIMESTAMP_HEADER),
                header(headers, WebhookSigner.SIGNATURE_HEADER));
    }

    /**
     * Verifies a request given the three header values.
     *
     * @throws WebhookVerificationException naming what is missing or wrong
     */
    public void verify(String payload, String id, String timestamp, String signatureHeader) throws WebhookVerificationException {
        long seconds = checkedSeconds(id, timestamp, signatureHeader, tolerance, clock);
        byte[][] candidates = new byte[secrets.size()][];
        for (int i = 0; i < secrets.size(); i++) {
            candidates[i] = WebhookSigner.hmac(secrets.get(i).key(), id + "." + seconds + "." + payload);
        }
        int v1Seen = 0;
        for (String part : signatureHeader.trim().split(" +")) {
            int comma = part.indexOf(',');
            if (comma < 0 || !part.substring(0, comma).equals("v1")) {
                continue; // other schemes (v1a, future versions) are ignored, as the spec asks
            }
            v1Seen++;
            byte[] given;
            try {
                given = Base64.getDecoder().decode(part.substring(comma + 1));
            } catch (IllegalArgumentException notBase64) {
                continue;
            }
            for (byte[] expected : candidates) {
                if (MessageDigest.isEqual(expected, given)) {
                    return;
                }
            }
        }
        throw new WebhookVerificationException(v1Seen == 0
                ? "no v1 signature in " + WebhookSigner.SIGNATURE_HEADER
                : "none of " + v1Seen + " v1 signatures matches any of " + secrets.size() + " secrets");
    }

    /**
     * The checks every scheme shares: the three headers present, the timestamp canonical and within
     * {@code tolerance} of now. Returns the timestamp in seconds.
     */
    static long checkedSeconds(String id, String timestamp, String signatureHeader, Duration tolerance, Clock clock)
            throws WebhookVerificationException {
        if (id == null || id.isEmpty()) {
            throw new WebhookVerificationException("missing " + WebhookSigner.ID_HEADER + " header");
        }
        if (timestamp == null || timestamp.isEmpty()) {
            throw new WebhookVerificationException("missing " + WebhookSigner.TIMESTAMP_HEADER + " header");
        }
        if (signatureHeader == null || signatureHeader.isBlank()) {
            throw new WebhookVerificationException("missing " + WebhookSigner.SIGNATURE_HEADER + " header");
        }
        // Only the canonical spelling the signer writes: "+1614265330" or "01614265330" would otherwise
        // verify against the signature of "1614265330", since the signed text is rebuilt from the number.
        if (!CANONICAL_SECONDS.matcher(timestamp).matches()) {
            throw new WebhookVerificationException(WebhookSigner.TIMESTAMP_HEADER + " is not a number of seconds (was '"
                    + abbreviate(timestamp) + "')");
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            throw new WebhookVerificationException(WebhookSigner.TIMESTAMP_HEADER + " is not a number of seconds (was '"
                    + abbreviate(timestamp) + "')");
        }
        long now = clock.instant().getEpochSecond();
        // Subtracting in long overflows for timestamps near Long.MIN_VALUE and wraps inside the tolerance.
        long skew;
        try {
            skew = Math.abs(Math.subtractExact(now, seconds));
        } catch (ArithmeticException overflow) {
            skew = Long.MAX_VALUE;
        }
        if (skew < 0) {
            skew = Long.MAX_VALUE; // Math.abs(Long.MIN_VALUE)
        }
        if (skew > tolerance.getSeconds()) {
            throw new WebhookVerificationException("webhook timestamp " + seconds + " is " + skew + " s "
                    + (seconds < now ? "old" : "in the future") + ", beyond the tolerance of " + tolerance.getSeconds() + " s");
        }
        return seconds;
    }

    static String header(Map<String, String> headers, String name) {
        for (Map.Entry<String, String> entry : headers.entrySet()) {
            if (entry.getKey() != null && entry.getKey().toLowerCase(Locale.ROOT).equals(name)) {
                return entry.getValue();
            }
        }
        return null;
    }

    private static String abbreviate(String text) {
        return text.length() <= 32 ? text : text.substring(0, 32) + "...";
    }
}
