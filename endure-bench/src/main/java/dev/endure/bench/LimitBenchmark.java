package dev.endure.bench;

import dev.endure.Verdict;
import dev.endure.limit.ConcurrencyLimit;
import dev.endure.limit.ConcurrencyLimitPolicy;
import dev.failsafe.Bulkhead;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.function.CheckedSupplier;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The success path of a concurrency limit: what a call pays to enter and leave when a slot is free. Endure's fixed
 * limit and adaptive limit against Resilience4j's semaphore {@code Bulkhead} and Failsafe's {@code Bulkhead}, all
 * with 25 slots and no waiting; once around a supplier, once by hand (take a permit, give it back).
 *
 * <pre>
 * mvn -B -q -pl endure-bench -am package -DskipTests
 * java -jar endure-bench/target/endure-benchmarks.jar LimitBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class LimitBenchmark {

    private static final Integer RESULT = 42;
    private static final int SLOTS = 25;
    private static final VarHandle FLOOR_IN_FLIGHT;

    static {
        try {
            FLOOR_IN_FLIGHT = MethodHandles.lookup().findVarHandle(LimitBenchmark.class, "floorInFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The floor's count in flight: what any exact shared count must update atomically once to enter, once to leave. */
    private volatile int floorInFlight;
    /** The one-atomic floor's slot. */
    private final int[] floorSlots = new int[SLOTS];
    private static final VarHandle FLOOR_SLOT = MethodHandles.arrayElementVarHandle(int[].class);

    private Supplier<Integer> operation;
    private CheckedSupplier<Integer> checkedOperation;

    private ConcurrencyLimit endureFixed;
    private ConcurrencyLimit endureAdaptive;
    private io.github.resilience4j.bulkhead.Bulkhead resilience4j;
    private Bulkhead<Integer> failsafeBulkhead;
    private FailsafeExecutor<Integer> failsafe;

    @Setup
    public void setUp() {
        operation = LimitBenchmark::call;
        checkedOperation = LimitBenchmark::call;
        endureFixed = ConcurrencyLimit.of(ConcurrencyLimitPolicy.fixed("bench", SLOTS).build());
        endureAdaptive = ConcurrencyLimit.of(ConcurrencyLimitPolicy.adaptive("bench").initialLimit(SLOTS).maxLimit(SLOTS).build());
        resilience4j = io.github.resilience4j.bulkhead.Bulkhead.of("bench",
                BulkheadConfig.custom().maxConcurrentCalls(SLOTS).maxWaitDuration(Duration.ZERO).build());
        failsafeBulkhead = Bulkhead.<Integer>builder(SLOTS).withMaxWaitTime(Duration.ZERO).build();
        failsafe = Failsafe.with(failsafeBulkhead);
    }

    private static Integer call() {
        return RESULT;
    }

    @Benchmark
    public Integer supplierEndureFixed() {
        return endureFixed.get(operation);
    }

    @Benchmark
    public Integer supplierEndureAdaptive() {
        return endureAdaptive.get(operation);
    }

    @Benchmark
    public Integer supplierResilience4j() {
        return resilience4j.executeSupplier(operation);
    }

    @Benchmark
    public Integer supplierFailsafe() {
        return failsafe.get(checkedOperation);
    }

    @Benchmark
    public Integer permitEndureFixed() {
        long permit = endureFixed.acquire();
        endureFixed.release(permit, Verdict.success());
        return RESULT;
    }

    @Benchmark
    public Integer permitEndureAdaptive() {
        long permit = endureAdaptive.acquire();
        endureAdaptive.release(permit, Verdict.success());
        return RESULT;
    }

    @Benchmark
    public Integer permitResilience4j() {
        if (!resilience4j.tryAcquirePermission()) {
            throw new IllegalStateException("bulkhead full");
        }
        resilience4j.onComplete();
        return RESULT;
    }

    /**
     * What a limit that keeps a shared count pays at least, not a limit: one compare-and-set to enter (below
     * {@code SLOTS}) and one atomic decrement to leave, and nothing else (no waiters, no rejection). Resilience4j's
     * bulkhead and Endure's limit before slots were this plus a few loads.
     */
    @Benchmark
    public Integer permitFloorTwoAtomics() {
        int current = floorInFlight;
        if (current >= SLOTS || !FLOOR_IN_FLIGHT.compareAndSet(this, current, current + 1)) {
            throw new IllegalStateException("floor full");
        }
        FLOOR_IN_FLIGHT.getAndAdd(this, -1);
        return RESULT;
    }

    /**
     * The floor for an exact limit, not a limit: one compare-and-set to take a slot and a plain store to free it,
     * nothing else (no limit to read, no waiters, no rejection). Some atomic instruction must decide which of two
     * racing callers gets the last slot, so no exact limit can do less; Endure's limit is this plus a few loads.
     */
    @Benchmark
    public Integer permitFloorOneAtomic() {
        if (!FLOOR_SLOT.compareAndSet(floorSlots, 0, 0, 1)) {
            throw new IllegalStateException("floor full");
        }
        FLOOR_SLOT.setRelease(floorSlots, 0, 0);
        return RESULT;
    }

    @Benchmark
    public Integer permitFailsafe() {
        if (!failsafeBulkhead.tryAcquirePermit()) {
            throw new IllegalStateException("bulkhead full");
        }
        failsafeBulkhead.releasePermit();
        return RESULT;
    }
}
