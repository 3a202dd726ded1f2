package dev.endure.observe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void masksPasswordsTokensAndKeysButKeepsTheRest() {
        assertThat(Redaction.redact("connect to jdbc:postgresql://db/main?user=app&password=hunter2&ssl=true failed"))
                .isEqualTo("connect to jdbc:postgresql://db/main?user=app&password=****&ssl=true failed");
        assertThat(Redaction.redact("https://bob:s3cret@hooks.example.com/x returned 503"))
                .isEqualTo("https://bob:****@hooks.example.com/x returned 503");
        assertThat(Redaction.redact("Authorization: Bearer abcdef.ghijkl")).isEqualTo("Authorization: Bearer ****");
        assertThat(Redaction.redact("header Bearer abcdefghijk")).isEqualTo("header Bearer ****");
        assertThat(Redaction.redact("{\"clientSecret\": \"xyz123\"}")).isEqualTo("{\"clientSecret\": \"****\"}");
        assertThat(Redaction.redact("signing with whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).isEqualTo("signing with whsec_****");
        assertThat(Redaction.redact("HTTP 503 Service Unavailable")).isEqualTo("HTTP 503 Service Unavailable");
        assertThat(Redaction.redact(null)).isNull();
    }
}
