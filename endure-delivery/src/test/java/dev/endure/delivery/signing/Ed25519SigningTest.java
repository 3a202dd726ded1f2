package dev.endure.delivery.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 18: Standard Webhooks v1a (ed25519), with the spec's known answer. */
class Ed25519SigningTest {

    private static final String SPEC_SIGNING_KEY =
            "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==";
    private static final String SPEC_PUBLIC_KEY = "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=";
    private static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long SPEC_TIMESTAMP = 1614265330L;
    private static final String SPEC_PAYLOAD = "{\"test\": 2432232314}";
    private static final String SPEC_SIGNATURE =
            "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==";

    private final VirtualTime time = new VirtualTime(Instant.ofEpochSecond(SPEC_TIMESTAMP));

    @Test
    void signingWithTheSpecSeedProducesTheSpecSignature() {
        Ed25519SigningKey key = Ed25519SigningKey.parse(SPEC_SIGNING_KEY);
        assertThat(key.sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD)).isEqualTo(SPEC_SIGNATURE);
        assertThat(key.publicKey().encoded()).isEqualTo(SPEC_PUBLIC_KEY);
        assertThat(key.encoded()).isEqualTo(SPEC_SIGNING_KEY);
    }

    @Test
    void theSpecHeaderVerifiesUnderTheSpecPublicKey() throws Exception {
        Ed25519WebhookVerifier verifier = Ed25519WebhookVerifier.of(List.of(Ed25519PublicKey.parse(SPEC_PUBLIC_KEY)), Duration.ofMinutes(5), time);
        verifier.verify(SPEC_PAYLOAD, SPEC_ID, "1614265330", SPEC_SIGNATURE);
        // Mixed with a v1 entry and in any header case, as receivers see it during a scheme change.
        verifier.verify(SPEC_PAYLOAD, Map.of("Webhook-Id", SPEC_ID, "Webhook-Timestamp", "1614265330",
                "Webhook-Signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= " + SPEC_SIGNATURE));
    }

    @Test
    void aChangedPayloadIdTimestampOrKeyDoesNotVerify() {
        Ed25519WebhookVerifier verifier = Ed25519WebhookVerifier.of(List.of(Ed25519PublicKey.parse(SPEC_PUBLIC_KEY)), Duration.ofMinutes(5), time);
        assertThatThrownBy(() -> verifier.verify("{\"test\": 2432232315}", SPEC_ID, "1614265330", SPEC_SIGNATURE))
                .isInstanceOf(WebhookVerificationException.class).hasMessageContaining("none of 1 v1a signatures");
        assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, "msg_other", "1614265330", SPEC_SIGNATURE))
                .isInstanceOf(WebhookVerificationException.class);
        assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, SPEC_ID, "1614265331", SPEC_SIGNATURE))
                .isInstanceOf(WebhookVerificationException.class);
        assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, SPEC_ID, "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="))
                .hasMessage("no v1a signature in webhook-signature");
        assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, SPEC_ID, "1614265330", "v1a,bm9wZQ=="))
                .isInstanceOf(WebhookVerificationException.class);
        Ed25519WebhookVerifier other = Ed25519WebhookVerifier.of(List.of(Ed25519SigningKey.generate().publicKey()), Duration.ofMinutes(5), time);
        assertThatThrownBy(() -> other.verify(SPEC_PAYLOAD, SPEC_ID, "1614265330", SPEC_SIGNATURE))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void theTimestampRulesAreThoseOfV1() {
        Ed25519WebhookVerifier verifier = Ed25519WebhookVerifier.of(List.of(Ed25519PublicKey.parse(SPEC_PUBLIC_KEY)), Duration.ofMinutes(5), time);
        time.advance(Duration.ofMinutes(6));
        assertThatThrownBy(() -> verifier.verify(SPEC_PAYLOAD, SPEC_ID, "1614265330", SPEC_SIGNATURE))
                .hasMessageContaining("beyond the tolerance of 300 s");
    }

    @Test
    void aGeneratedKeySignsWhatItsPublicKeyVerifiesAndNeverPrintsItself() throws Exception {
        Ed25519SigningKey key = Ed25519SigningKey.generate();
        assertThat(Ed25519SigningKey.parse(key.encoded())).isEqualTo(key);
        String signature = key.sign("msg_1", SPEC_TIMESTAMP, "{}");
        Ed25519WebhookVerifier.of(List.of(Ed25519PublicKey.parse(key.publicKey().encoded())), Duration.ofMinutes(5), time)
                .verify("{}", "msg_1", Long.toString(SPEC_TIMESTAMP), signature);
        assertThat(key.toString()).doesNotContain(key.encoded().substring(5, 30));
    }

    @Test
    void badKeysSayWhatIsWrongWithoutEchoingThem() {
        String mismatched = "whsk_" + java.util.Base64.getEncoder().encodeToString(new byte[64]);
        assertThatThrownBy(() -> Ed25519SigningKey.parse(mismatched)).hasMessageContaining("does not belong to its seed");
        assertThatThrownBy(() -> Ed25519SigningKey.parse("whsec_abc")).hasMessage("an ed25519 signing key starts with whsk_");
        assertThatThrownBy(() -> Ed25519PublicKey.parse("whpk_AAAA")).hasMessage("an ed25519 public key holds 32 bytes, not 3");
    }

    @Test
    void aRotationFromV1ToV1aSignsWithBothSoEitherReceiverVerifies() throws Exception {
        WebhookSecret old = WebhookSecret.generate();
        Ed25519SigningKey next = Ed25519SigningKey.generate();
        Instant now = time.instant();
        SigningKeys keys = SigningKeys.of(old).rotate(next, Duration.ofHours(1), now);
        assertThat(keys.scheme()).isEqualTo(SignatureScheme.V1A);
        Map<String, String> headers = WebhookSigner.headers("msg_1", now, "{}", keys.signingAt(now));
        assertThat(headers.get("webhook-signature")).matches("v1a,\\S+ v1,\\S+");
        Ed25519WebhookVerifier.of(List.of(next.publicKey()), Duration.ofMinutes(5), time).verify("{}", headers);
        WebhookVerifier.of(List.of(old), Duration.ofMinutes(5), time).verify("{}", headers);
        assertThat(SigningSecret.parse(next.encoded())).isEqualTo(next);
        assertThat(SigningSecret.parse(old.encoded())).isEqualTo(old);
        assertThat(SignatureScheme.parse("V1A")).isEqualTo(SignatureScheme.V1A);
        assertThatThrownBy(() -> SignatureScheme.parse("v2")).hasMessageContaining("v1a");
    }
}
