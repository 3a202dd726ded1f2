package dev.endure.observe;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets from text about to be logged. Failure messages are written by drivers and HTTP
 * clients that sometimes quote a URL with its password, a query string with a token, or a header;
 * a retry log line must not carry them into the log store.
 */
public final class Redaction {

    /** What a removed secret is replaced with. */
    public static final String MASK = "****";

    private static final Pattern URL_USER_INFO = Pattern.compile("(://[^/\\s:@]+:)[^@\\s/]+@");
    private static final Pattern KEY_VALUE = Pattern.compile(
            "(?i)\\b([\\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|credential|signature)[\\w.-]*"
                    + "\"?\\s*[=:]\\s*\"?)([^\\s\"&;,)]+)");
    private static final Pattern AUTH_SCHEME = Pattern.compile("(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/=-]{6,}");
    private static final Pattern WEBHOOK_SECRET = Pattern.compile("whsec_[A-Za-z0-9+/=]+");

    private Redaction() {}

    /** {@code text} with every secret-looking part masked; null stays null. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String result = URL_USER_INFO.matcher(text).replaceAll("$1" + MASK + "@");
        result = KEY_VALUE.matcher(result).replaceAll(match -> Matcher.quoteReplacement(match.group(1) + MASK));
        result = AUTH_SCHEME.matcher(result).replaceAll(match -> Matcher.quoteReplacement(match.group(1) + " " + MASK));
        return WEBHOOK_SECRET.matcher(result).replaceAll("whsec_" + MASK);
    }
}
