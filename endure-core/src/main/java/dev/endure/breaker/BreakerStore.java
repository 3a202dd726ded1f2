package dev.endure.breaker;

import dev.endure.Cancellable;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where breakers keep the state that must survive a restart or be shared by several JVMs (seed 002's
 * "state persistence"). A breaker loads its record when it is built, saves one on every change between
 * CLOSED and OPEN, and (for shared stores) {@link #watch watches} for records other instances wrote.
 *
 * <p>Implementations: {@code InMemoryBreakerStore} (tests, one JVM), {@code FileBreakerStore} (survives a
 * restart), {@code JdbcBreakerStore} (shared by every JVM on one database), in
 * {@code dev.endure.breaker.store}. Methods may block on I/O; a breaker never calls them while holding
 * its lock, and a failing store is logged and never fails a call.
 */
public interface BreakerStore extends AutoCloseable {

    /** The stored record of breaker {@code name}, if any. */
    Optional<BreakerRecord> load(String name);

    /**
     * Stores {@code record} (its version is ignored) and returns the version the store gave it, higher
     * than any version of that name stored before.
     */
    long save(BreakerRecord record);

    /**
     * Calls {@code onChange} with records of {@code name} written by others, for stores shared between
     * processes; may call it with records already seen (a breaker ignores versions it knows). The default
     * watches nothing: a store only this JVM writes has nothing to report.
     *
     * @return a handle that stops watching
     */
    default Cancellable watch(String name, Consumer<BreakerRecord> onChange) {
        return () -> false;
    }

    /** Releases what the store holds (threads, connections). The default holds nothing. */
    @Override
    default void close() {}
}
