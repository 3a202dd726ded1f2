package dev.endure.bench;

import dev.endure.retry.Retrier;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.function.CheckedSupplier;
import io.github.resilience4j.retry.Retry;
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
 * The success path of a retried call: what every call pays when nothing fails. All three libraries
 * are set up alike: 3 attempts, exponential backoff from 100 ms ×2, retry on any exception. The
 * operation is hoisted into a field so that no benchmark pays for a lambda the others don't.
 *
 * <pre>
 * mvn -B -q -pl endure-bench -am package -DskipTests
 * java -jar endure-bench/target/endure-benchmarks.jar RetryBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class RetryBenchmark {

    private static final Integer RESULT = 42;

    private Supplier<Integer> operation;
    private CheckedSupplier<Integer> checkedOperation;
    private Retrier<Integer> endure;
    private Retrier<Integer> endureWithDeadline;
    private Retrier<Integer> endureIgnoringNesting;
    private Retry resilience4j;
    private FailsafeExecutor<Integer> failsafe;

    @Setup
    public void setUp() {
        operation = RetryBenchmark::call;
        checkedOperation = RetryBenchmark::call;

        endure = Retrier.of(BenchSetup.endureRetry("bench").build());
        // A max duration makes every call read the clock at its start: the honest price of a deadline.
        endureWithDeadline = Retrier.of(BenchSetup.endureRetry("bench-deadline").maxDuration(Duration.ofSeconds(10)).build());
        // Without the nested-retry mark (one thread-local lookup a call): what the opt-out saves.
        endureIgnoringNesting = Retrier.builder(BenchSetup.endureRetry("bench-unmarked").build()).ignoreNesting().build();
        resilience4j = BenchSetup.resilience4jRetry("bench");
        failsafe = Failsafe.with(BenchSetup.failsafeRetry());
    }

    private static Integer call() {
        return RESULT;
    }

    @Benchmark
    public Integer direct() {
        return operation.get();
    }

    @Benchmark
    public Integer endure() {
        return endure.get(operation);
    }

    @Benchmark
    public Integer endureIgnoringNesting() {
        return endureIgnoringNesting.get(operation);
    }

    @Benchmark
    public Integer endureWithMaxDuration() {
        return endureWithDeadline.get(operation);
    }

    @Benchmark
    public Integer resilience4j() {
        return resilience4j.executeSupplier(operation);
    }

    @Benchmark
    public Integer failsafe() {
        return failsafe.get(checkedOperation);
    }
}
