package dev.endure.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdsTest {

    /** Ids take their 100 bits from one draw: every position still takes each of the 32 characters, and none repeats. */
    @Test
    void everyPositionOfAnIdTakesEveryCharacterOfTheAlphabet() {
        List<Set<Character>> seen = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            seen.add(new HashSet<>());
        }
        Set<String> ids = new HashSet<>();
        for (int n = 0; n < 5_000; n++) {
            String id = Ids.generate("msg");
            assertThat(id).matches("msg_[0-9a-hjkmnp-tv-z]{20}");
            ids.add(id);
            for (int i = 0; i < 20; i++) {
                seen.get(i).add(id.charAt(4 + i));
            }
        }
        assertThat(ids).hasSize(5_000);
        assertThat(seen).allSatisfy(position -> assertThat(position).hasSize(32));
    }
}
