package dev.endure.breaker.store;

import dev.endure.Cancellable;
import dev.endure.breaker.BreakerRecord;
import dev.endure.breaker.BreakerStore;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Keeps breaker records in this JVM's memory. Breakers that share one instance share their state at once
 * (each save is passed to the other watchers before {@link #save} returns), which makes it the test double
 * of a shared store; nothing survives the JVM.
 */
public final class InMemoryBreakerStore implements BreakerStore {

    private final ConcurrentHashMap<String, BreakerRecord> records = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CopyOnWriteArrayList<Consumer<BreakerRecord>>> watchers = new ConcurrentHashMap<>();

    @Override
    public Optional<BreakerRecord> load(String name) {
        return Optional.ofNullable(records.get(Objects.requireNonNull(name, "name")));
    }

    @Override
    public long save(BreakerRecord record) {
        BreakerRecord saved = records.compute(record.name(),
                (name, previous) -> record.withVersion(previous == null ? 1 : previous.version() + 1));
        for (Consumer<BreakerRecord> watcher : watchers.getOrDefault(record.name(), new CopyOnWriteArrayList<>())) {
            watcher.accept(saved);
        }
        return saved.version();
    }

    @Override
    public Cancellable watch(String name, Consumer<BreakerRecord> onChange) {
        Objects.requireNonNull(onChange, "onChange");
        watchers.computeIfAbsent(name, key -> new CopyOnWriteArrayList<>()).add(onChange);
        return () -> watchers.getOrDefault(name, new CopyOnWriteArrayList<>()).remove(onChange);
    }

    @Override
    public String toString() {
        return "InMemoryBreakerStore[" + records.size() + " breakers]";
    }
}
