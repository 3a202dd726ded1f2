package dev.endure.delivery.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secrets for storage with AES-256-GCM under a key ring: the first key seals, every key opens.
 * Rotating is adding a new key in front and keeping the old one until everything was sealed again under
 * the new one (see {@link #sealedWithCurrent}). A sealed value is {@code enc:v1:<key id>:<base64 nonce +
 * ciphertext + tag>}; the key id is the first 8 hex digits of the key's SHA-256, so keys need no names.
 * The caller passes a context (an endpoint id) that is authenticated with the value: a sealed value
 * copied to another row does not open there.
 *
 * <pre>{@code
 * SecretCipher cipher = SecretCipher.parse(System.getenv("ENDURE_SECRET_KEY"));  // "newKey,oldKey"
 * String stored = cipher.seal("whsec_...", "ep_1");
 * String clear = cipher.open(stored, "ep_1");
 * }</pre>
 */
public final class SecretCipher {

    /** What every sealed value starts with; clear values (such as {@code whsec_...}) never do. */
    public static final String PREFIX = "enc:v1:";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, SecretKeySpec> keys; // by id, current first
    private final String currentId;

    private SecretCipher(List<byte[]> rawKeys) {
        if (rawKeys.isEmpty()) {
            throw new IllegalArgumentException("a secret cipher needs at least one key");
        }
        Map<String, SecretKeySpec> byId = new LinkedHashMap<>();
        for (byte[] raw : rawKeys) {
            if (raw.length != KEY_BYTES) {
                throw new IllegalArgumentException("an encryption key must be 32 bytes (base64 of 32 random bytes), not " + raw.length);
            }
            byId.putIfAbsent(keyId(raw), new SecretKeySpec(raw.clone(), "AES"));
        }
        this.keys = byId;
        this.currentId = byId.keySet().iterator().next();
    }

    /** A cipher on raw 32-byte keys, the current one first. */
    public static SecretCipher of(List<byte[]> rawKeys) {
        return new SecretCipher(rawKeys);
    }

    /**
     * Keys as written in {@code ENDURE_SECRET_KEY} or a key file: base64 of 32 bytes each, separated by
     * commas, spaces or line breaks, the current one first; lines starting with {@code #} are comments.
     * Errors name the key's position, never its text.
     */
    public static SecretCipher parse(String text) {
        Objects.requireNonNull(text, "text");
        List<byte[]> raw = new ArrayList<>();
        int position = 0;
        for (String line : text.split("\\R")) {
            if (line.strip().startsWith("#")) {
                continue;
            }
            for (String word : line.split("[,\\s]+")) {
                if (word.isEmpty()) {
                    continue;
                }
                position++;
                byte[] key;
                try {
                    key = Base64.getDecoder().decode(word);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("encryption key " + position + " is not base64");
                }
                if (key.length != KEY_BYTES) {
                    throw new IllegalArgumentException("encryption key " + position + " must be base64 of 32 bytes, not " + key.length);
                }
                raw.add(key);
            }
        }
        if (raw.isEmpty()) {
            throw new IllegalArgumentException("no encryption key given (expected base64 of 32 random bytes)");
        }
        return new SecretCipher(raw);
    }

    /** Reads a key file (see {@link #parse}); the error names the file, never its content. */
    public static SecretCipher readFile(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the encryption key file " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("encryption key file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code file}, or creates it first with one new key, readable by its owner only where the file
     * system allows (the embedded store keeps one in its data directory).
     */
    public static SecretCipher readOrCreateFile(Path file) {
        if (!Files.exists(file)) {
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
                Path created;
                try {
                    created = Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException notPosix) {
                    created = Files.createFile(file);
                }
                Files.writeString(created, "# Endure's key for signing secrets at rest; keep it with backups of the data.\n"
                        + newKeyText() + "\n", StandardCharsets.UTF_8);
            } catch (FileAlreadyExistsException raced) {
                // another process created it meanwhile: read theirs
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot create the encryption key file " + file + ": " + e.getMessage(), e);
            }
        }
        return readFile(file);
    }

    /** A fresh random key as {@link #parse} reads it. */
    public static String newKeyText() {
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** Whether {@code stored} is a sealed value (else it is clear text from before encryption was on). */
    public static boolean isSealed(String stored) {
        return stored != null && stored.startsWith(PREFIX);
    }

    /** The id of the key that seals, e.g. {@code 3fa1c2d0}. */
    public String currentKeyId() {
        return currentId;
    }

    /** Whether {@code stored} is sealed under the current key (nothing to re-encrypt). */
    public boolean sealedWithCurrent(String stored) {
        return isSealed(stored) && stored.startsWith(PREFIX + currentId + ":");
    }

    /** Encrypts {@code clear} under the current key, bound to {@code context}. */
    public String seal(String clear, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(clear.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE_BYTES + sealed.length];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
            return PREFIX + currentId + ":" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /**
     * Decrypts a sealed value with whichever key sealed it; clear text (no {@link #PREFIX}) is returned as
     * it is, so a store written before encryption was turned on still reads.
     *
     * @throws IllegalStateException naming the key id when no key of the ring sealed it, or the value was altered
     */
    public String open(String stored, String context) {
        if (!isSealed(stored)) {
            return stored;
        }
        int colon = stored.indexOf(':', PREFIX.length());
        if (colon < 0) {
            throw new IllegalStateException("a sealed secret of " + context + " is malformed");
        }
        String id = stored.substring(PREFIX.length(), colon);
        SecretKeySpec key = keys.get(id);
        if (key == null) {
            throw new IllegalStateException("the secret of " + context + " was encrypted with key " + id
                    + ", which is not among the configured keys (" + String.join(", ", keys.keySet()) + "); keep the old key after the new one while rotating");
        }
        try {
            byte[] in = Base64.getDecoder().decode(stored.substring(colon + 1));
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("the sealed secret of " + context + " does not open with key " + id + " (altered or moved)", e);
        }
    }

    @Override
    public String toString() {
        return "SecretCipher[current " + currentId + ", " + keys.size() + " keys]";
    }

    private static String keyId(byte[] raw) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw), 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
