package dev.endure.delivery;

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

    record RetryAt(Instant nextAttemptAt) implements Transition {
        public RetryAt {
            Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
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
