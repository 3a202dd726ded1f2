package dev.endure.breaker;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** What a {@link CircuitBreaker} tells its {@link BreakerListener}s: state changes and rejected calls. */
public sealed interface BreakerEvent {

    String breakerName();

    /** When it happened, on the breaker's clock. */
    Instant at();

    /**
     * The breaker moved from {@code from} to {@code to}.
     *
     * @param reason why, in words ("5 consecutive failures", "trial call failed", "forced open", …)
     * @param openFor how long it stays open, when {@code to} is OPEN and not forced; else null
     * @param openStep failed half-open trials since the breaker last closed (the growth step)
     */
    record StateChanged(String breakerName, Instant at, BreakerState from, BreakerState to, String reason, Duration openFor,
            int openStep) implements BreakerEvent {
        public Optional<Duration> openDuration() {
            return Optional.ofNullable(openFor);
        }
    }

    /** A call was rejected without being run; {@code retryAfter} is null when unknown. */
    record CallRejected(String breakerName, Instant at, BreakerState state, Duration retryAfter) implements BreakerEvent {}
}
