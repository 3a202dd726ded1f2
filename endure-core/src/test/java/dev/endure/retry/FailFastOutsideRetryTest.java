package dev.endure.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.VirtualTime;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Seed 000's pattern: authorise and validate once, outside the retry; retry only the transactional
 * part. A forbidden caller never reaches the database and never waits.
 */
class FailFastOutsideRetryTest {

    static final class SerializationFailure extends RuntimeException {
        SerializationFailure() {
            super("could not serialize access due to concurrent update");
        }
    }

    /** A miniature of seed 000's reserveUnits. */
    static final class ReservationService {
        final AtomicInteger authorisations = new AtomicInteger();
        final AtomicInteger transactions = new AtomicInteger();
        final Retrier<Integer> retrier;
        int conflictsLeft;

        ReservationService(VirtualTime time, int conflicts) {
            this.conflictsLeft = conflicts;
            RetryPolicy<Integer> policy = RetryPolicy.<Integer>builder()
                    .name("reserve-units")
                    .maxAttempts(5)
                    .backoff(Backoff.exponential(Duration.ofMillis(10), 2.0).withCap(Duration.ofMillis(160)))
                    .retryOn(SerializationFailure.class)
                    .build();
            this.retrier = Retrier.builder(policy).time(time).build();
        }

        int reserve(String role, int units) {
            // Step 1: checks that can never succeed on a retry run once, before it (fail fast).
            authorisations.incrementAndGet();
            if (!role.equals("ADMIN") && !role.equals("SCHEDULER")) {
                throw new SecurityException("role " + role + " may not reserve units");
            }
            if (units <= 0) {
                throw new IllegalArgumentException("units must be positive (was " + units + ")");
            }
            // Step 2: only the transaction is retried.
            return retrier.get(() -> {
                transactions.incrementAndGet();
                if (conflictsLeft-- > 0) {
                    throw new SerializationFailure();
                }
                return units;
            });
        }
    }

    @Test
    void authorisesOnceAndRetriesOnlyTheTransaction() {
        VirtualTime time = new VirtualTime();
        ReservationService service = new ReservationService(time, 2);

        assertThat(service.reserve("ADMIN", 3)).isEqualTo(3);

        assertThat(service.authorisations).hasValue(1);
        assertThat(service.transactions).hasValue(3);
        assertThat(time.sleeps()).containsExactly(Duration.ofMillis(10), Duration.ofMillis(20));
    }

    @Test
    void forbiddenCallersFailFastWithoutTouchingTheTransaction() {
        VirtualTime time = new VirtualTime();
        ReservationService service = new ReservationService(time, 2);

        assertThatThrownBy(() -> service.reserve("PATIENT", 3))
                .isInstanceOf(SecurityException.class)
                .hasMessage("role PATIENT may not reserve units");
        assertThatThrownBy(() -> service.reserve("ADMIN", 0)).isInstanceOf(IllegalArgumentException.class);

        assertThat(service.transactions).hasValue(0);
        assertThat(time.sleeps()).isEmpty();
        assertThat(service.retrier.stats().snapshot().calls()).isZero();
    }
}
