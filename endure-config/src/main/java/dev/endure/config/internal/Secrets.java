package dev.endure.config.internal;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Decides which values must never appear in an error message. A configuration file is copied into
 * tickets and chat when it fails to load, so anything under a key that sounds like a credential is
 * masked, whatever the rule it broke.
 */
public final class Secrets {

    /** What a masked value is shown as. */
    public static final String MASK = "****";

    private static final Pattern SECRET_KEY = Pattern.compile(
            "secret|password|passwd|passphrase|token|api[-_]?key|credential|private[-_]?key|authorization",
            Pattern.CASE_INSENSITIVE);

    private Secrets() {}

    /** True when this key (one path segment) names something secret, e.g. {@code clientSecret}. */
    public static boolean isSecretKey(String key) {
        return key != null && SECRET_KEY.matcher(key).find();
    }

    /** True when any segment of {@code path} is a secret key: everything below it is secret too. */
    public static boolean isSecretPath(String path) {
        for (String segment : path.split("[.\\[\\]\"]+")) {
            if (isSecretKey(segment)) {
                return true;
            }
        }
        return false;
    }

    /** True for values that are secrets whatever their key: Standard Webhooks signing secrets. */
    public static boolean looksSecret(String value) {
        return value != null && value.toLowerCase(Locale.ROOT).startsWith("whsec_");
    }
}
