package dev.endure.delivery.jdbc;

import dev.endure.delivery.crypto.SecretCipher;
import dev.endure.delivery.signing.SigningKeys;
import dev.endure.delivery.signing.SigningSecret;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Stores signing keys in one column: {@code whsec_...|<signs-until epoch ms or empty>} (or {@code whsk_...} for a
 * {@code v1a} key pair, private half included), comma-separated,
 * sealed as a whole by a {@link SecretCipher} when the store has one (bound to the endpoint id).
 */
final class SigningKeysCodec {

    private SigningKeysCodec() {}

    static String encode(String endpointId, SigningKeys keys, SecretCipher cipher) {
        String clear = encode(keys);
        return cipher == null ? clear : cipher.seal(clear, endpointId);
    }

    static SigningKeys decode(String endpointId, String stored, SecretCipher cipher) {
        if (SecretCipher.isSealed(stored) && cipher == null) {
            throw new IllegalStateException("the signing keys of endpoint " + endpointId
                    + " are encrypted, and no encryption key is configured (ENDURE_SECRET_KEY or secret.keyFile)");
        }
        return decode(endpointId, cipher == null ? stored : cipher.open(stored, endpointId));
    }

    static String encode(SigningKeys keys) {
        StringBuilder text = new StringBuilder();
        for (SigningKeys.Key key : keys.all()) {
            if (text.length() > 0) {
                text.append(',');
            }
            text.append(key.secret().encoded()).append('|');
            if (key.signsUntil() != null) {
                text.append(key.signsUntil().toEpochMilli());
            }
        }
        return text.toString();
    }

    static SigningKeys decode(String endpointId, String text) {
        List<SigningKeys.Key> keys = new ArrayList<>();
        for (String entry : text.split(",")) {
            int bar = entry.indexOf('|');
            if (bar < 0) {
                throw new IllegalStateException("endpoint " + endpointId + " has a malformed signing_keys column");
            }
            String until = entry.substring(bar + 1);
            keys.add(new SigningKeys.Key(SigningSecret.parse(entry.substring(0, bar)),
                    until.isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(until))));
        }
        return SigningKeys.of(keys);
    }
}
