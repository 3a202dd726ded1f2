package dev.endure.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NestedRetriesTest {

    private final VirtualTime time = new VirtualTime();
    private final UncheckedIOException down = new UncheckedIOException(new IOException("connection refused"));

    private <T> Retrier<T> layer(String name, int maxAttempts) {
        return Retrier.builder(RetryPolicy.<T>builder().name(name).maxAttempts(maxAttempts)
                .backoff(Backoff.fixed(Duration.ofMillis(10))).build()).time(time).build();
    }

    @Test
    void threeNestedLayersOfFourAttemptsCostWhatTheOutermostCosts() {
        Retrier<String> job = layer("job", 4);
        Retrier<String> service = layer("service", 4);
        Retrier<String> client = layer("client", 4);
        AtomicInteger requests = new AtomicInteger();
        assertThatThrownBy(() -> job.get(() -> service.get(() -> client.get(() -> {
            requests.incrementAndGet();
            throw down;
        })))).isInstanceOf(RetriesExhaustedException.class).hasRootCauseInstanceOf(IOException.class);
        assertThat(requests).as("naively 4 x 4 x 4 = 64").hasValue(4);
        assertThat(client.stats().snapshot().exhausted()).isEqualTo(4);
        assertThat(job.stats().snapshot().retries()).isEqualTo(3);
    }

    @Test
    void theInnerLayerHandsTheOriginalFailureOutAndSaysWhy() {
        List<RetryEvent> events = new CopyOnWriteArrayList<>();
        Retrier<String> outer = layer("outer", 3);
        Retrier<String> inner = Retrier.builder(RetryPolicy.<String>builder().name("inner").maxAttempts(3)
                .backoff(Backoff.fixed(Duration.ofMillis(10))).build()).time(time).listener(events::add).build();
        AtomicInteger requests = new AtomicInteger();
        String result = outer.get(() -> inner.get(() -> {
            if (requests.incrementAndGet() < 3) {
                throw down;
            }
            return "ok";
        }));
        assertThat(result).isEqualTo("ok");
        assertThat(requests).hasValue(3);
        assertThat(events).filteredOn(RetryEvent.Exhausted.class::isInstance).map(e -> ((RetryEvent.Exhausted) e).reason())
                .containsExactly(GiveUpReason.OUTER_RETRY, GiveUpReason.OUTER_RETRY);
    }

    @Test
    void anOuterLayerThatNeverRetriesLeavesTheInnerOneAlone() {
        Retrier<String> single = layer("single", 1);
        Retrier<String> inner = layer("inner", 3);
        AtomicInteger requests = new AtomicInteger();
        assertThatThrownBy(() -> single.get(() -> inner.get(() -> {
            requests.incrementAndGet();
            throw down;
        }))).isInstanceOf(RetriesExhaustedException.class);
        assertThat(requests).hasValue(3);
    }

    @Test
    void aRetrierOutsideAnyAttemptRetriesAndTheMarkIsGoneAfterTheCall() {
        Retrier<String> outer = layer("outer", 2);
        outer.get(() -> {
            assertThat(NestedRetries.current()).hasValueSatisfying(context -> assertThat(context.policyName()).isEqualTo("outer"));
            return "ok";
        });
        assertThat(NestedRetries.insideRetry()).isFalse();
        AtomicInteger requests = new AtomicInteger();
        assertThatThrownBy(() -> layer("alone", 3).get(() -> {
            requests.incrementAndGet();
            throw down;
        })).isInstanceOf(RetriesExhaustedException.class);
        assertThat(requests).hasValue(3);
    }

    @Test
    void anAsyncRetrierStartedInsideAnAttemptMakesOneAttempt() {
        Retrier<String> outer = layer("outer", 3);
        Retrier<String> inner = layer("inner", 3);
        AtomicInteger requests = new AtomicInteger();
        CompletableFuture<String> call = outer.getAsync(() -> inner.getAsync(() -> {
            requests.incrementAndGet();
            return CompletableFuture.failedFuture(down);
        }));
        time.advance(Duration.ofSeconds(1));
        assertThat(call).isCompletedExceptionally();
        assertThat(requests).as("3 outer attempts, one inner attempt each").hasValue(3);
    }

    @Test
    void aRetrierMayOptOutAndRetryWhenNested() {
        Retrier<String> outer = layer("outer", 2);
        Retrier<String> inner = Retrier.builder(RetryPolicy.<String>builder().name("inner").maxAttempts(3)
                .backoff(Backoff.fixed(Duration.ofMillis(10))).build()).time(time).retryWhenNested().build();
        AtomicInteger requests = new AtomicInteger();
        assertThatThrownBy(() -> outer.get(() -> inner.get(() -> {
            requests.incrementAndGet();
            throw down;
        }))).isInstanceOf(RetriesExhaustedException.class);
        assertThat(requests).hasValue(6);
    }

    @Test
    void aRetrierThatIgnoresNestingNeitherMarksItsAttemptsNorYields() {
        Retrier<String> unmarked = Retrier.builder(RetryPolicy.<String>builder().name("unmarked").maxAttempts(2)
                .backoff(Backoff.fixed(Duration.ofMillis(10))).build()).time(time).ignoreNesting().build();
        Retrier<String> inner = layer("inner", 3);
        AtomicInteger requests = new AtomicInteger();
        assertThatThrownBy(() -> unmarked.get(() -> inner.get(() -> {
            requests.incrementAndGet();
            throw down;
        }))).isInstanceOf(RetriesExhaustedException.class);
        assertThat(requests).as("the inner retrier never learns it is nested: 2 x 3").hasValue(6);

        Retrier<String> outer = layer("outer", 2);
        Retrier<String> deaf = Retrier.builder(RetryPolicy.<String>builder().name("deaf").maxAttempts(3)
                .backoff(Backoff.fixed(Duration.ofMillis(10))).build()).time(time).ignoreNesting().build();
        requests.set(0);
        assertThatThrownBy(() -> outer.get(() -> deaf.get(() -> {
            requests.incrementAndGet();
            throw down;
        }))).isInstanceOf(RetriesExhaustedException.class);
        assertThat(requests).as("nor does it yield to the outer one: 2 x 3").hasValue(6);
    }

    @Test
    void aRemoteCallersHeaderMakesTheRetriersInsideMakeOneAttempt() throws Exception {
        assertThat(NestedRetries.parseHeader(" 2 ")).isEqualTo(OptionalInt.of(2));
        assertThat(NestedRetries.parseHeader("0")).isEmpty();
        assertThat(NestedRetries.parseHeader("two")).isEmpty();
        assertThat(NestedRetries.parseHeader(null)).isEmpty();
        assertThat(NestedRetries.parseHeader("99999999999999")).isEmpty();
        Retrier<String> handlerClient = layer("client", 4);
        AtomicInteger requests = new AtomicInteger();
        assertThatThrownBy(() -> NestedRetries.callerRetries(1, () -> handlerClient.get(() -> {
            requests.incrementAndGet();
            throw down;
        }))).isSameAs(down);
        assertThat(requests).hasValue(1);
        assertThat(NestedRetries.insideRetry()).isFalse();
    }
}
