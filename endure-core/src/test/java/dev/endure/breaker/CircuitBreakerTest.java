package dev.endure.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.endure.Classifier;
import dev.endure.Verdict;
import dev.endure.VirtualTime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final VirtualTime time = new VirtualTime();
    private final List<BreakerEvent> events = new CopyOnWriteArrayList<>();

    private CircuitBreaker breaker(CircuitBreakerPolicy.Builder policy) {
        return CircuitBreaker.builder(policy.name("billing").build()).clock(time).listener(events::add).build();
    }

    private static void fail(CircuitBreaker breaker) {
        assertThatThrownBy(() -> breaker.run(() -> {
            throw new UncheckedIOException(new IOException("connection reset"));
        })).isInstanceOf(UncheckedIOException.class);
    }

    private static void succeed(CircuitBreaker breaker) {
        assertThat(breaker.get(() -> "ok")).isEqualTo("ok");
    }

    private List<String> transitions() {
        List<String> result = new ArrayList<>();
        for (BreakerEvent event : events) {
            if (event instanceof BreakerEvent.StateChanged changed) {
                result.add(changed.from() + "->" + changed.to());
            }
        }
        return result;
    }

    @Test
    void opensAfterConsecutiveFailuresAndASuccessStartsTheCountAgain() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(3));
        fail(breaker);
        fail(breaker);
        succeed(breaker);
        fail(breaker);
        fail(breaker);
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        fail(breaker);
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        assertThat(events).first().isInstanceOfSatisfying(BreakerEvent.StateChanged.class,
                changed -> assertThat(changed.reason()).isEqualTo("3 consecutive failures"));
    }

    @Test
    void openRejectsAtOnceWithoutCallingAndSaysWhenItTriesAgain() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(1).openDuration(Duration.ofSeconds(30)));
        fail(breaker);
        time.advance(Duration.ofSeconds(12));
        boolean[] called = {false};
        CallNotPermittedException rejected = catchThrowableOfType(CallNotPermittedException.class,
                () -> breaker.run(() -> called[0] = true));
        assertThat(called[0]).isFalse();
        assertThat(rejected.retryAfter()).contains(Duration.ofSeconds(18));
        assertThat(rejected.retryAt()).contains(time.instant().plusSeconds(18));
        assertThat(rejected.getMessage()).isEqualTo("circuit breaker 'billing' is OPEN: call rejected; it lets a trial call"
                + " through in 18 s (at 2026-01-01T00:00:30Z)");
        assertThat(rejected.getStackTrace()).isEmpty();
        assertThat(events).last().isEqualTo(new BreakerEvent.CallRejected("billing", time.instant(), BreakerState.OPEN,
                Duration.ofSeconds(18)));
        assertThat(breaker.snapshot().rejected()).isEqualTo(1);
    }

    @Test
    void opensOnTheFailureRateOnlyOnceTheMinimumCallsWereSeen() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(0)
                .slidingWindow(SlidingWindow.countBased(10)).failureRateThreshold(0.5).minimumCalls(6));
        for (int i = 0; i < 5; i++) {
            fail(breaker); // 100 % failures, but fewer than 6 calls seen
        }
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        succeed(breaker); // 5 of 6
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        assertThat(((BreakerEvent.StateChanged) events.get(0)).reason()).isEqualTo("5 of the last 6 calls failed (threshold 50 %)");
    }

    @Test
    void aCountWindowForgetsTheOldestCallAsANewOneArrives() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(0)
                .slidingWindow(SlidingWindow.countBased(4)).failureRateThreshold(0.75).minimumCalls(4));
        fail(breaker);
        fail(breaker);
        succeed(breaker);
        succeed(breaker); // F F S S: 50 %
        fail(breaker); // F S S F: 50 %
        fail(breaker); // S S F F: 50 %
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(breaker.snapshot().failureRate()).isEqualTo(0.5);
        fail(breaker); // S F F F: 75 %
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void aTimeWindowForgetsFailuresOlderThanItsLength() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(0)
                .slidingWindow(SlidingWindow.timeBased(Duration.ofSeconds(10))).failureRateThreshold(0.5).minimumCalls(4));
        fail(breaker);
        fail(breaker);
        fail(breaker);
        time.advance(Duration.ofSeconds(11));
        assertThat(breaker.snapshot().windowCalls()).isZero();
        fail(breaker);
        succeed(breaker);
        succeed(breaker);
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        fail(breaker); // 2 of 4 within the last 10 s
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void slowSuccessesCountAsFailures() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(2).slowCallThreshold(Duration.ofSeconds(1)));
        breaker.get(() -> {
            time.advance(Duration.ofSeconds(2));
            return "slow";
        });
        breaker.get(() -> "fast");
        breaker.get(() -> {
            time.advance(Duration.ofMillis(1500));
            return "slow";
        });
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        breaker.get(() -> {
            time.advance(Duration.ofMillis(1001));
            return "slow";
        });
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        assertThat(breaker.snapshot()).extracting(BreakerSnapshot::slowCalls, BreakerSnapshot::failures, BreakerSnapshot::successes)
                .containsExactly(3L, 3L, 1L);
    }

    @Test
    void halfOpenAdmitsAtMostTheTrialLimitAndClosesAfterEnoughSuccesses() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(1).openDuration(Duration.ofSeconds(10))
                .halfOpenMaxTrials(2).halfOpenSuccesses(3));
        fail(breaker);
        time.advance(Duration.ofSeconds(10));
        assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
        CircuitBreaker.Permit first = breaker.acquirePermission();
        CircuitBreaker.Permit second = breaker.acquirePermission();
        assertThat(first.isTrial()).isTrue();
        CallNotPermittedException full = catchThrowableOfType(CallNotPermittedException.class, breaker::acquirePermission);
        assertThat(full.state()).isEqualTo(BreakerState.HALF_OPEN);
        assertThat(full.retryAfter()).isEmpty();
        assertThat(full.getMessage()).contains("HALF_OPEN and its 2 trial calls are in flight");
        first.recordSuccess(0);
        first.recordSuccess(0); // a permit counts once
        CircuitBreaker.Permit third = breaker.acquirePermission();
        second.recordSuccess(0);
        assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
        third.recordSuccess(0);
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(transitions()).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
    }

    @Test
    void openDurationDoublesEachTimeATrialFailsUpToTheCapAndResetsWhenClosed() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(1).openDuration(Duration.ofSeconds(10))
                .openDurationMultiplier(2).maxOpenDuration(Duration.ofSeconds(50)).halfOpenSuccesses(1));
        fail(breaker);
        List<Duration> openFor = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            openFor.add(breaker.snapshot().retryAfter());
            time.advance(breaker.snapshot().retryAfter());
            fail(breaker); // the trial fails
        }
        openFor.add(breaker.snapshot().retryAfter());
        assertThat(openFor).containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40),
                Duration.ofSeconds(50), Duration.ofSeconds(50));
        assertThat(breaker.snapshot().openStep()).isEqualTo(4);
        time.advance(Duration.ofSeconds(50));
        succeed(breaker);
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        fail(breaker);
        assertThat(breaker.snapshot().retryAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(events).filteredOn(e -> e instanceof BreakerEvent.StateChanged c && c.to() == BreakerState.OPEN)
                .extracting(e -> ((BreakerEvent.StateChanged) e).openFor())
                .containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40), Duration.ofSeconds(50),
                        Duration.ofSeconds(50), Duration.ofSeconds(10));
    }

    @Test
    void anOutcomeFromAnEarlierPeriodDoesNotMoveTheCurrentOne() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(1).openDuration(Duration.ofSeconds(1)));
        CircuitBreaker.Permit admittedWhileClosed = breaker.acquirePermission();
        fail(breaker);
        time.advance(Duration.ofSeconds(1));
        CircuitBreaker.Permit trial = breaker.acquirePermission();
        admittedWhileClosed.recordFailure(0); // late news from before the breaker opened
        assertThat(breaker.state()).isEqualTo(BreakerState.HALF_OPEN);
        trial.recordSuccess(0);
        assertThat(breaker.snapshot().trialsInFlight()).isZero();
    }

    @Test
    void forceOpenHoldsUntilResetAndForceCloseIgnoresFailures() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(1).openDuration(Duration.ofSeconds(1)));
        breaker.forceOpen();
        time.advance(Duration.ofHours(1));
        CallNotPermittedException rejected = catchThrowableOfType(CallNotPermittedException.class, () -> succeed(breaker));
        assertThat(rejected.forced()).isTrue();
        assertThat(rejected.retryAfter()).isEmpty();
        assertThat(rejected.getMessage()).contains("forced OPEN", "until reset or forced closed");
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);

        breaker.forceClose();
        fail(breaker);
        fail(breaker);
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(breaker.isForced()).isTrue();

        breaker.reset();
        assertThat(breaker.isForced()).isFalse();
        fail(breaker);
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        assertThat(transitions()).containsExactly("CLOSED->OPEN", "OPEN->CLOSED", "CLOSED->CLOSED", "CLOSED->OPEN");
    }

    @Test
    void theClassifierDecidesWhatCountsAsAFailure() {
        Classifier<Object> notFoundIsFine = Classifier.builder()
                .onFailure(failure -> failure instanceof IllegalArgumentException ? Verdict.success() : null)
                .onResult(result -> "HTTP 503".equals(result) ? Verdict.retry("HTTP 503") : null)
                .build();
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(2).classifier(notFoundIsFine));
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> breaker.run(() -> {
                throw new IllegalArgumentException("404");
            })).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        breaker.get(() -> "HTTP 503");
        breaker.get(() -> "HTTP 503");
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void asyncOutcomesAreCountedWhenTheStageCompletes() {
        CircuitBreaker breaker = breaker(CircuitBreakerPolicy.builder().consecutiveFailures(2));
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        CompletableFuture<String> a = breaker.getAsync(() -> first);
        CompletableFuture<String> b = breaker.getAsync(() -> second);
        assertThat(breaker.state()).isEqualTo(BreakerState.CLOSED);
        first.completeExceptionally(new IOException("reset"));
        second.completeExceptionally(new IOException("reset"));
        assertThat(a).isCompletedExceptionally();
        assertThat(b).isCompletedExceptionally();
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
        assertThat(breaker.getAsync(() -> CompletableFuture.completedFuture("x")))
                .failsWithin(Duration.ZERO).withThrowableThat().withCauseInstanceOf(CallNotPermittedException.class);
    }

    @Test
    void aThrowingListenerDoesNotBreakCalls() {
        CircuitBreaker breaker = CircuitBreaker.builder(CircuitBreakerPolicy.builder().consecutiveFailures(1).build()).clock(time)
                .listener(event -> {
                    throw new IllegalStateException("broken listener");
                }).build();
        fail(breaker);
        assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    }
}
