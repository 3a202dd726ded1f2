package dev.endure.delivery.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookSigningTest {

    // The Standard Webhooks spec's published reference vector.
    private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long SPEC_TIMESTAMP = 1614265330L;
    private static final String SPEC_PAYLOAD = "{\"test\": 2432232314}";
    private static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private final VirtualTime time = new VirtualTime(Instant.ofEpochSecond(SPEC_TIMESTAMP));

    @Test
    void signsTheSpecReferenceVector() {
        WebhookSecret secret = WebhookSecret.parse(SPEC_SECRET);
        assertThat(WebhookSigner.sign(secret, SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD)).isEqualTo(SPEC_SIGNATURE);
        assertThat(WebhookSigner.headers(SPEC_ID, Instant.ofEpochSecond(SPEC_TIMESTAMP), SPEC_PAYLOAD, List.of(secret)))
                .containsExactly(Map.entry("webhook-id", SPEC_ID), Map.entry("webhook-timestamp", "1614265330"),
                        Map.entry("webhook-signature", SPEC_SIGNATURE));
    }

    @Test
    void verifiesTheSpecReferenceVector() throws Exception {
        WebhookVerifier verifier = WebhookVerifier.of(List.of(WebhookSecret.parse(SPEC_SECRET)), Duration.ofMinutes(5), time);
        verifier.verify(SPEC_PAYLOAD, SPEC_ID, "1614265330", SPEC_SIGNATURE);
        verifier.verify(SPEC_PAYLOAD, Map.of("Webhook-Id", SPEC_ID, "Webhook-Timestamp", "1614265330",
                "Webhook-Signature", "v1,bm9wZQ== " + SPEC_SIGNATURE));
    }

    @Test
    void rejectsATamperedPayloadOrId() {
        WebhookVerifier verifier = WebhookVerifier.of(List.of(WebhookSecret.parse(SPEC_SECRET)), Duration.ofMinutes(5), time);
        assertThatThrownBy(() -> verifier.verify("{\"test\": 2432232315}", SPEC_ID, "1614265330", SPEC_SIGNATURE))
                .isInstanceOf(WebhookVerificationException.class)
                .hasMessage("none of 1 v1 signatures matches any of 1 secrets");
        assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, "msg_other", "1614265330", SPEC_SIGNATURE))
                .isInstanceOf(WebhookVerificationException.class);
        assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, SPEC_ID, "1614265330", "v1a,abc"))
                .hasMessage("no v1 signature in webhook-signature");
    }

    @Test
    void rejectsTimestampsOutsideFiveMinutes() throws Exception {
        WebhookSecret secret = WebhookSecret.parse(SPEC_SECRET);
        WebhookVerifier verifier = WebhookVerifier.of(List.of(secret), WebhookVerifier.DEFAULT_TOLERANCE, time);
        time.advance(Duration.ofMinutes(5));
        verifier.verify(SPEC_PAYLOAD, SPEC_ID, "1614265330", SPEC_SIGNATURE); // exactly at the edge still verifies
        time.advance(Duration.ofSeconds(1));
        assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, SPEC_ID, "1614265330", SPEC_SIGNATURE))
                .hasMessage("webhook timestamp 1614265330 is 301 s old, beyond the tolerance of 300 s");
        long future = SPEC_TIMESTAMP + 301 + 301;
        String signature = WebhookSigner.sign(secret, SPEC_ID, future, SPEC_PAYLOAD);
        assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, SPEC_ID, Long.toString(future), signature))
                .hasMessageContaining("in the future");
        assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, SPEC_ID, "soon", signature))
                .hasMessage("webhook-timestamp is not a number of seconds (was 'soon')");
        assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, Map.of("webhook-id", SPEC_ID)))
                .hasMessage("missing webhook-timestamp header");
    }

    // Issue 11, defect 7: now + Long.MIN_VALUE overflowed past the tolerance check.
    @Test
    void aTimestampFarInThePastDoesNotOverflowPastTheTolerance() {
        WebhookSecret secret = WebhookSecret.parse(SPEC_SECRET);
        WebhookVerifier verifier = WebhookVerifier.of(List.of(secret), WebhookVerifier.DEFAULT_TOLERANCE, time);
        for (long seconds : new long[] {SPEC_TIMESTAMP + Long.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, SPEC_TIMESTAMP + Long.MAX_VALUE}) {
            String signature = WebhookSigner.sign(secret, SPEC_ID, seconds, SPEC_PAYLOAD);
            assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, SPEC_ID, Long.toString(seconds), signature))
                    .as("timestamp %d", seconds).isInstanceOf(WebhookVerificationException.class);
        }
    }

    // Issue 11, defect 7: "+1614265330" and "01614265330" verified against the canonical timestamp's signature.
    @Test
    void onlyTheCanonicalTimestampTextVerifies() {
        WebhookVerifier verifier = WebhookVerifier.of(List.of(WebhookSecret.parse(SPEC_SECRET)), Duration.ofMinutes(5), time);
        for (String spelling : new String[] {"+1614265330", "01614265330", " 1614265330", "1614265330 ", "1614265330\n", "1_614_265_330"}) {
            assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, SPEC_ID, spelling, SPEC_SIGNATURE))
                    .as("'%s'", spelling).isInstanceOf(WebhookVerificationException.class)
                    .hasMessageContaining("webhook-timestamp");
        }
    }

    @Test
    void generatesSecretsOfTwentyFourToSixtyFourRandomBytes() {
        WebhookSecret a = WebhookSecret.generate();
        WebhookSecret b = WebhookSecret.generate();
        assertThat(a.length()).isEqualTo(32);
        assertThat(a).isNotEqualTo(b);
        assertThat(a.encoded()).startsWith("whsec_");
        assertThat(WebhookSecret.parse(a.encoded())).isEqualTo(a);
        assertThat(WebhookSecret.generate(24).length()).isEqualTo(24);
        assertThat(WebhookSecret.generate(64).length()).isEqualTo(64);
        assertThatThrownBy(() -> WebhookSecret.generate(23)).hasMessage("generated secret must be 24 to 64 bytes (was 23)");
        assertThatThrownBy(() -> WebhookSecret.generate(65)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebhookSecret.parse("whsec_c2hvcnQ=")).hasMessage("webhook secret must be 24 to 64 bytes (was 5)");
    }

    @Test
    void secretsNeverAppearInTextOrErrors() {
        WebhookSecret secret = WebhookSecret.parse(SPEC_SECRET);
        assertThat(secret.toString()).doesNotContain("MfKQ9r8").contains("redacted");
        assertThat(SigningKeys.of(secret).toString()).doesNotContain("MfKQ9r8");
        assertThatThrownBy(() -> WebhookSecret.parse("whsec_not*base64*MfKQ9r8"))
                .message().doesNotContain("MfKQ9r8");
    }

    @Test
    void rotationSignsWithOldAndNewDuringTheOverlapOnly() throws Exception {
        WebhookSecret old = WebhookSecret.generate();
        WebhookSecret next = WebhookSecret.generate();
        Instant now = time.instant();
        SigningKeys keys = SigningKeys.of(old).rotate(next, Duration.ofHours(1), now);
        assertThat(keys.signingAt(now)).containsExactly(next, old);
        assertThat(keys.signingAt(now.plus(Duration.ofHours(1)))).containsExactly(next);

        Map<String, String> headers = WebhookSigner.headers("msg_1", now, "{}", keys.signingAt(now));
        assertThat(headers.get("webhook-signature").split(" ")).hasSize(2);
        // A receiver that still has only the old secret verifies, and so does one that already switched.
        WebhookVerifier.of(List.of(old), Duration.ofMinutes(5), time).verify("{}", headers);
        WebhookVerifier.of(List.of(next), Duration.ofMinutes(5), time).verify("{}", headers);
        // Another rotation drops keys whose overlap has ended.
        SigningKeys later = keys.rotate(WebhookSecret.generate(), Duration.ofHours(1), now.plus(Duration.ofHours(2)));
        assertThat(later.all()).hasSize(2);
        assertThat(later.all().get(1).secret()).isEqualTo(next);
    }

    @Test
    void refusesIdsThatWouldMakeSignedContentAmbiguous() {
        WebhookSecret secret = WebhookSecret.generate();
        assertThatThrownBy(() -> WebhookSigner.sign(secret, "a.b", 1, "{}"))
                .hasMessage("webhook message id must be non-empty without '.' or spaces (was 'a.b')");
    }
}
