package dev.endure.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RetryDemoTest {

    @Test
    void demoShowsRetriesEventsAndTheExhaustionError() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int successes = RetryDemo.run(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        String output = buffer.toString(StandardCharsets.UTF_8);

        assertThat(successes).isEqualTo(2);
        assertThat(output)
                .contains("result HTTP 201 after 3 attempts")
                .contains("reason=\"HTTP 500\"")
                .contains("result HTTP 400")
                .contains("retries exhausted after 4 attempts")
                .contains("last failure: HTTP 503")
                .contains("reason=\"IllegalStateException: connection reset\"")
                .contains("attemptsPerCall=[1, 1, 1, 1");
    }
}
