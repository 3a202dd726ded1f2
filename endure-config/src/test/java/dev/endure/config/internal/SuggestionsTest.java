package dev.endure.config.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {

    private static final List<String> KEYS = List.of("maxAttempts", "maxDuration", "maxRetryAfter", "backoff");

    @Test
    void findsTyposSwapsAndOtherSpellingsOfTheSameKey() {
        assertThat(Suggestions.closest("maxAtempts", KEYS)).contains("maxAttempts");
        assertThat(Suggestions.closest("maxAttmepts", KEYS)).contains("maxAttempts");
        assertThat(Suggestions.closest("max_attempts", KEYS)).contains("maxAttempts");
        assertThat(Suggestions.closest("MAX-DURATION", KEYS)).contains("maxDuration");
        assertThat(Suggestions.closest("backof", KEYS)).contains("backoff");
    }

    @Test
    void pointsAFormerNameAtItsNewName() {
        assertThat(Suggestions.closest("maxInterval", List.of("initial", "multiplier", "cap"))).contains("cap");
        assertThat(Suggestions.closest("policy.initialInterval", List.of("policy.initial", "policy.cap")))
                .contains("policy.initial");
        assertThat(Suggestions.closest("deadline", KEYS)).contains("maxDuration");
        assertThat(Suggestions.closest("retryAfterCap", KEYS)).contains("maxRetryAfter");
        assertThat(Suggestions.closest("maxInterval", KEYS)).isEmpty();
    }

    @Test
    void suggestsNothingForUnrelatedWords() {
        assertThat(Suggestions.closest("colour", KEYS)).isEmpty();
        assertThat(Suggestions.closest("x", KEYS)).isEmpty();
        assertThat(Suggestions.closest("anything", List.of())).isEmpty();
        assertThat(Suggestions.didYouMean("colour", KEYS)).isEmpty();
    }

    @Test
    void editDistanceCountsAnAdjacentSwapAsOneEdit() {
        assertThat(Suggestions.distance("ab", "ba")).isEqualTo(1);
        assertThat(Suggestions.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(Suggestions.distance("", "abc")).isEqualTo(3);
        assertThat(Suggestions.distance("same", "same")).isZero();
    }
}
