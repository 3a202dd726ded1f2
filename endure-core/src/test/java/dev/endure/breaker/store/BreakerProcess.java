package dev.endure.breaker.store;

import dev.endure.VirtualTime;
import dev.endure.breaker.BreakerEvent;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.CircuitBreaker;
import dev.endure.breaker.CircuitBreakerPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.postgresql.ds.PGSimpleDataSource;

/** The other JVM of the restart and two-process tests. Prints what it sees; every wait is bounded. */
public final class BreakerProcess {

    private BreakerProcess() {}

    static CircuitBreakerPolicy policy(String name) {
        return CircuitBreakerPolicy.builder().name(name).consecutiveFailures(1).openDuration(Duration.ofHours(1))
                .openDurationMultiplier(2).maxOpenDuration(Duration.ofDays(1)).halfOpenSuccesses(1).build();
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "file-trip" -> fileTrip(Path.of(args[1]), args[2]);
            case "jdbc-follow" -> jdbcFollow(args[1], args[2]);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.exit(0);
    }

    /** Opens the breaker, lets its trial fail (growth step 1, open 2 h) and exits: the "before restart" JVM. */
    private static void fileTrip(Path directory, String name) {
        VirtualTime time = new VirtualTime(Instant.now());
        CircuitBreaker breaker = CircuitBreaker.builder(policy(name)).clock(time).store(FileBreakerStore.in(directory)).build();
        breaker.acquirePermission().recordFailure(0);
        time.advance(Duration.ofHours(1));
        breaker.acquirePermission().recordFailure(0); // the half-open trial fails
        System.out.println("OPEN step=" + breaker.snapshot().openStep() + " retryAfter=" + breaker.snapshot().retryAfter());
    }

    /** Follows a breaker shared through PostgreSQL: sees it open, sees it closed, then opens it itself. */
    private static void jdbcFollow(String url, String name) throws InterruptedException {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(url);
        BlockingQueue<BreakerEvent.StateChanged> changes = new LinkedBlockingQueue<>();
        try (JdbcBreakerStore store = JdbcBreakerStore.builder(dataSource).syncInterval(Duration.ofMillis(100)).build()) {
            CircuitBreaker breaker = CircuitBreaker.builder(policy(name)).store(store).listener(event -> {
                if (event instanceof BreakerEvent.StateChanged changed) {
                    changes.add(changed);
                }
            }).build();
            System.out.println("READY " + breaker.state());
            awaitState(changes, BreakerState.OPEN);
            System.out.println("SAW OPEN retryAfterMinutes=" + breaker.snapshot().retryAfter().toMinutes());
            awaitState(changes, BreakerState.CLOSED);
            System.out.println("SAW CLOSED");
            breaker.acquirePermission().recordFailure(0);
            System.out.println("TRIPPED " + breaker.state());
        }
    }

    private static void awaitState(BlockingQueue<BreakerEvent.StateChanged> changes, BreakerState state) throws InterruptedException {
        while (true) {
            BreakerEvent.StateChanged changed = changes.poll(30, TimeUnit.SECONDS);
            if (changed == null) {
                System.out.println("TIMEOUT waiting for " + state);
                System.exit(2);
            }
            if (changed.to() == state) {
                return;
            }
        }
    }
}
