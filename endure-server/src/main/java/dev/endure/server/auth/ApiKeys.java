package dev.endure.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The server's API keys, kept only as SHA-256 hashes. A key is {@code ek_} + 32 random bytes
 * (base64url), so a fast hash is enough: with 256 bits of entropy there is nothing to brute-force,
 * which is why a slow password hash (bcrypt, argon2) would only cost latency on every request.
 *
 * <pre>{@code
 * String key = ApiKeys.generate();                                  // show once, store nowhere
 * ApiKeys keys = ApiKeys.of(List.of(new ApiKey("ops", ApiKeys.sha256(key), Set.of(Scope.READ))));
 * keys.authenticate(key);                                           // Optional[ApiKey[ops [READ]]]
 * }</pre>
 */
public final class ApiKeys {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "ek_";

    private final Map<String, ApiKey> byHash;

    private ApiKeys(Map<String, ApiKey> byHash) {
        this.byHash = byHash;
    }

    public static ApiKeys of(List<ApiKey> keys) {
        return new ApiKeys(keys.stream().collect(Collectors.toUnmodifiableMap(ApiKey::sha256, Function.identity(), (a, b) -> {
            throw new IllegalArgumentException("API keys " + a.name() + " and " + b.name() + " have the same hash");
        })));
    }

    /** A fresh random key; the caller shows it once and keeps only {@link #sha256(String)}. */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Generates a key with all scopes, returning the key and its stored form. */
    public static Map.Entry<String, ApiKey> generateAdmin(String name) {
        String key = generate();
        return Map.entry(key, new ApiKey(name, sha256(key), Set.of(Scope.values())));
    }

    public static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /**
     * The key that {@code presented} is, if any. Looking up by hash leaks no timing about the key: an
     * attacker learns at most something about a SHA-256 output, which does not help find a preimage.
     */
    public Optional<ApiKey> authenticate(String presented) {
        if (presented == null || presented.isEmpty() || presented.length() > 256) {
            return Optional.empty();
        }
        return Optional.ofNullable(byHash.get(sha256(presented)));
    }

    public int size() {
        return byHash.size();
    }
}
