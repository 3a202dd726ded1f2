package dev.endure.config.internal;

/** Writes key paths the way errors show them: {@code policies.billing.retry}, {@code retryOn[1]}. */
public final class Paths {

    private Paths() {}

    /** One key as a path segment; a key with a dot or a space is quoted so the path stays unambiguous. */
    public static String key(String key) {
        return key.matches("[A-Za-z0-9_\\-]+") ? key : '"' + key.replace("\"", "\\\"") + '"';
    }

    public static String child(String parent, String key) {
        return parent.isEmpty() ? key(key) : parent + "." + key(key);
    }

    public static String index(String parent, int index) {
        return parent + "[" + index + "]";
    }
}
