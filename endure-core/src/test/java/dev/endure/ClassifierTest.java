package dev.endure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClassifierTest {

    static final class Throttled extends RuntimeException implements RetryAfterHint {
        Throttled() {
            super("slow down");
        }

        @Override
        public Optional<Duration> retryAfter() {
            return Optional.of(Duration.ofSeconds(4));
        }
    }

    @Test
    void defaultRetriesExceptionsButNotErrorsOrInterrupts() {
        Classifier<String> classifier = Classifier.retryAllExceptions();
        assertThat(classifier.classify("ok", null)).isEqualTo(Verdict.success());
        assertThat(classifier.classify(null, new IOException("reset"))).isEqualTo(Verdict.retry());
        assertThat(classifier.classify(null, new StackOverflowError())).isEqualTo(Verdict.fail());
        assertThat(classifier.classify(null, new InterruptedException())).isEqualTo(Verdict.fail());
    }

    @Test
    void retryAfterHintsAnywhereInTheCauseChainBecomeFloors() {
        Classifier<String> classifier = Classifier.retryAllExceptions();
        Verdict verdict = classifier.classify(null, new IllegalStateException("wrapped", new Throttled()));
        assertThat(verdict.kind()).isEqualTo(Verdict.Kind.RETRY_AFTER);
        assertThat(verdict.hint()).contains(Duration.ofSeconds(4));
    }

    @Test
    void namedTypesAreMatchedThroughCausesAndEverythingElseFailsFast() {
        Classifier<String> classifier = Classifier.<String>builder().retryOn(IOException.class).build();
        assertThat(classifier.classify(null, new UncheckedIOException(new ConnectException("refused"))).isRetryable()).isTrue();
        assertThat(classifier.classify(null, new IllegalArgumentException("bad"))).isEqualTo(Verdict.fail());
    }

    @Test
    void failRulesWinOverRetryRules() {
        Classifier<String> classifier = Classifier.<String>builder()
                .retryOn(RuntimeException.class)
                .failOn(IllegalArgumentException.class)
                .build();
        assertThat(classifier.classify(null, new IllegalStateException())).isEqualTo(Verdict.retry());
        assertThat(classifier.classify(null, new IllegalArgumentException())).isEqualTo(Verdict.fail());
    }

    @Test
    void resultRulesDecideResults() {
        Classifier<Integer> classifier = Classifier.<Integer>builder()
                .onResult(status -> status == 410 ? Verdict.disableTarget("HTTP 410 Gone") : null)
                .retryOnResult(status -> status >= 500)
                .build();
        assertThat(classifier.classify(503, null)).isEqualTo(Verdict.retry());
        assertThat(classifier.classify(410, null)).isEqualTo(Verdict.disableTarget("HTTP 410 Gone"));
        assertThat(classifier.classify(200, null)).isEqualTo(Verdict.success());
    }

    @Test
    void verdictsValidateAndDescribeThemselves() {
        assertThat(Verdict.retryAfter(Duration.ofSeconds(2), "HTTP 429")).hasToString("RETRY_AFTER(2000 ms): HTTP 429");
        assertThat(Verdict.disableTarget("HTTP 404").isFailure()).isTrue();
        assertThat(Verdict.success().isFailure()).isFalse();
        assertThatThrownBy(() -> Verdict.retryAfter(Duration.ofSeconds(-1))).hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> Verdict.fail(" ")).hasMessage("reason must not be blank");
        assertThatThrownBy(() -> Classifier.builder().retryOn()).hasMessage("name at least one exception type");
    }
}
