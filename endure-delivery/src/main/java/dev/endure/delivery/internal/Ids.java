package dev.endure.delivery.internal;

import java.security.SecureRandom;

/** Identifier rules and generation: ids go into URLs, headers and the signed content, so they stay plain. */
public final class Ids {

    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    /**
     * {@code prefix_} + 20 random base32 characters (100 bits), five bits each from one draw of 13 random bytes (one call
     * into the shared generator per id, not one per character).
     */
    public static String generate(String prefix) {
        byte[] bits = new byte[13];
        RANDOM.nextBytes(bits);
        char[] text = new char[20];
        for (int i = 0; i < text.length; i++) {
            int bit = i * 5;
            int pair = (bits[bit / 8] & 0xff) << 8 | (bits[bit / 8 + 1] & 0xff);
            text[i] = ALPHABET[pair >>> (11 - bit % 8) & 31];
        }
        return prefix + "_" + new String(text);
    }

    public static void check(String what, String id) {
        if (id == null || id.isEmpty() || id.length() > 64 || !id.chars().allMatch(c -> c < 128
                && (Character.isLetterOrDigit(c) || c == '_' || c == '-'))) {
            throw new IllegalArgumentException(what + " must be 1 to 64 letters, digits, '_' or '-' (was '" + id + "')");
        }
    }
}
