package dev.endure.config.internal;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * "Did you mean" for misspelt keys and names: the closest candidate by edit distance (optimal string
 * alignment, so a swapped pair of letters costs one), ignoring case, '_' and '-' so that
 * {@code max_attempts} finds {@code maxAttempts}.
 */
public final class Suggestions {

    /**
     * Names that one vocabulary replaced (README's glossary): a key spelt the old way is pointed at its new
     * name even though the two are far apart by edit distance.
     */
    private static final Map<String, String> RENAMED = Map.of(
            "initialInterval", "initial",
            "maxInterval", "cap",
            "deadline", "maxDuration",
            "retryAfterCap", "maxRetryAfter");

    private Suggestions() {}

    /**
     * The closest candidate, if one is close enough to be a plausible typo, or the new name of a renamed key
     * ({@code policy.maxInterval} finds {@code policy.cap}).
     */
    public static Optional<String> closest(String typed, Collection<String> candidates) {
        int dot = typed.lastIndexOf('.');
        String renamed = RENAMED.get(typed.substring(dot + 1));
        if (renamed != null && candidates.contains(typed.substring(0, dot + 1) + renamed)) {
            return Optional.of(typed.substring(0, dot + 1) + renamed);
        }
        String wanted = normalise(typed);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int distance = distance(wanted, normalise(candidate));
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        // Allow about one edit per three letters, at least one and at most three: beyond that the
        // "suggestion" is noise that sends the reader the wrong way.
        int allowed = Math.max(1, Math.min(3, wanted.length() / 3));
        return best != null && bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** {@code "; did you mean 'x'?"}, or an empty string. */
    public static String didYouMean(String typed, Collection<String> candidates) {
        return closest(typed, candidates).map(found -> "; did you mean '" + found + "'?").orElse("");
    }

    static String normalise(String key) {
        return key.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
