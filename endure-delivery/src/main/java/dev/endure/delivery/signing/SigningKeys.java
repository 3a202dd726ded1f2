package dev.endure.delivery.signing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An endpoint's signing secrets over time: the current one, plus retired ones that still sign until
 * their overlap ends. During the overlap every message carries one signature per live secret, so the
 * receiver can switch secrets whenever it likes. A secret is a {@code v1} {@link WebhookSecret} or a {@code v1a}
 * {@link Ed25519SigningKey}; a rotation may switch the scheme (the header then carries both during the overlap).
 * Immutable.
 *
 * <pre>{@code
 * SigningKeys keys = SigningKeys.of(WebhookSecret.generate());
 * keys = keys.rotate(WebhookSecret.generate(), Duration.ofHours(24), now);  // old one signs for 24 h more
 * }</pre>
 */
public final class SigningKeys {

    /** One secret and when it stops signing ({@code null}: the current secret, no end). */
    public record Key(SigningSecret secret, Instant signsUntil) {
        public Key {
            Objects.requireNonNull(secret, "secret");
        }

        boolean liveAt(Instant now) {
            return signsUntil == null || now.isBefore(signsUntil);
        }
    }

    private final List<Key> keys;

    private SigningKeys(List<Key> keys) {
        if (keys.isEmpty() || keys.get(0).signsUntil() != null) {
            throw new IllegalArgumentException("signing keys need a current secret first, without an end time");
        }
        this.keys = List.copyOf(keys);
    }

    /** One current secret. */
    public static SigningKeys of(SigningSecret current) {
        return new SigningKeys(List.of(new Key(current, null)));
    }

    /** Restores keys as stored: the first is the current one. */
    public static SigningKeys of(List<Key> keys) {
        return new SigningKeys(keys);
    }

    /**
     * Makes {@code next} the current secret; the previous current one keeps signing until
     * {@code now + overlap}. Keys whose overlap has already ended are dropped.
     */
    public SigningKeys rotate(SigningSecret next, Duration overlap, Instant now) {
        if (overlap.isNegative()) {
            throw new IllegalArgumentException("rotation overlap must not be negative (was " + overlap + ")");
        }
        List<Key> rotated = new ArrayList<>();
        rotated.add(new Key(next, null));
        rotated.add(new Key(current(), now.plus(overlap)));
        for (int i = 1; i < keys.size(); i++) {
            if (keys.get(i).liveAt(now)) {
                rotated.add(keys.get(i));
            }
        }
        return new SigningKeys(rotated);
    }

    public SigningSecret current() {
        return keys.get(0).secret();
    }

    /** The current secret's scheme: what a rotation generates by default. */
    public SignatureScheme scheme() {
        return current().scheme();
    }

    /** Every key, current first, including ones whose overlap has ended but were not yet dropped. */
    public List<Key> all() {
        return keys;
    }

    /** The secrets that sign a message sent at {@code now}: the current one first. */
    public List<SigningSecret> signingAt(Instant now) {
        List<SigningSecret> live = new ArrayList<>(keys.size());
        for (Key key : keys) {
            if (key.liveAt(now)) {
                live.add(key.secret());
            }
        }
        return live;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SigningKeys that && keys.equals(that.keys);
    }

    @Override
    public int hashCode() {
        return keys.hashCode();
    }

    @Override
    public String toString() {
        return "SigningKeys[" + keys.size() + " secrets, redacted]";
    }
}
