package dev.endure.delivery.spi;

import dev.endure.delivery.DeliveryState;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** Where a delivery goes after an attempt; decided by the worker, applied by the store. */
public sealed interface Transition {

    DeliveryState state();

    record Delivered() implements Transition {
        public DeliveryState state() {
            return DeliveryState.DELIVERED;
        }
    }

    /** Due again at {@code nextAttemptAt}, {@code delay} after the attempt ended (null if unknown). */
    record RetryAt(Instant nextAttemptAt, Duration delay) implements Transition {
        public RetryAt {
            Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        }

        public RetryAt(Instant nextAttemptAt) {
            this(nextAttemptAt, null);
        }

        public DeliveryState state() {
            return DeliveryState.PENDING;
        }
    }

    record Failed(String reason) implements Transition {
        public DeliveryState state() {
            return DeliveryState.FAILED;
        }
    }

    /** Kept for a disabled endpoint; resumes when the endpoint is enabled again. */
    record Held(String reason) implements Transition {
        public DeliveryState state() {
            return DeliveryState.HELD;
        }
    }
}
