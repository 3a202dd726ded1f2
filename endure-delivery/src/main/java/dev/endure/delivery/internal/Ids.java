package dev.endure.delivery.internal;

import java.security.SecureRandom;

/** Identifier rules and generation: ids go into URLs, headers and the signed content, so they stay plain. */
public final class Ids {

    private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    /** {@code prefix_} + 20 random base32 characters (100 bits). */
    public static String generate(String prefix) {
        char[] text = new char[20];
        for (int i = 0; i < text.length; i++) {
            text[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
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
