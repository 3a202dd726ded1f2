package dev.endure.bench;

import dev.endure.breaker.CircuitBreaker;
import dev.endure.breaker.CircuitBreakerPolicy;
import dev.endure.breaker.SlidingWindow;
import dev.endure.pipeline.Pipeline;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.function.CheckedSupplier;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.retry.Retry;
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
 * The success path of a call through a circuit breaker, alone and behind a retry: what every call pays
 * while the downstream is healthy. The three libraries are configured alike: a count-based window of
 * the last 100 calls that opens at 50 % failures once 100 calls were seen, 10 s open, one half-open
 * trial that closes on success; the retry has 3 attempts, exponential backoff from 100 ms ×2.
 * {@code endureConsecutive} is Endure's default rule instead (5 failures in a row), whose success path
 * takes no lock.
 *
 * <pre>
 * mvn -B -q -pl endure-bench -am package -DskipTests
 * java -jar endure-bench/target/endure-benchmarks.jar BreakerBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class BreakerBenchmark {

    private static final Integer RESULT = 42;

    private Supplier<Integer> operation;
    private CheckedSupplier<Integer> checkedOperation;

    private CircuitBreaker endureBreaker;
    private CircuitBreaker endureConsecutiveBreaker;
    private io.github.resilience4j.circuitbreaker.CircuitBreaker resilience4jBreaker;
    private FailsafeExecutor<Integer> failsafeBreaker;

    private Pipeline<Integer> endurePipeline;
    private Supplier<Integer> resilience4jRetryAndBreaker;
    private FailsafeExecutor<Integer> failsafeRetryAndBreaker;

    @Setup
    public void setUp() {
        operation = BreakerBenchmark::call;
        checkedOperation = BreakerBenchmark::call;

        CircuitBreakerPolicy windowPolicy = CircuitBreakerPolicy.builder().name("bench")
                .consecutiveFailures(0)
                .slidingWindow(SlidingWindow.countBased(100)).failureRateThreshold(0.5).minimumCalls(100)
                .openDuration(BenchSetup.OPEN_DURATION)
                .halfOpenMaxTrials(1).halfOpenSuccesses(1)
                .build();
        endureBreaker = CircuitBreaker.of(windowPolicy);
        endureConsecutiveBreaker = CircuitBreaker.of(CircuitBreakerPolicy.named("bench-consecutive"));

        resilience4jBreaker = io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(100).failureRateThreshold(50).minimumNumberOfCalls(100)
                .waitDurationInOpenState(BenchSetup.OPEN_DURATION)
                .permittedNumberOfCallsInHalfOpenState(1)
                .build());

        failsafeBreaker = Failsafe.with(BenchSetup.failsafeBreaker());

        endurePipeline = Pipeline.builder(BenchSetup.endureRetry("bench").build()).circuitBreaker(CircuitBreaker.of(windowPolicy)).build();

        Retry resilience4jRetry = BenchSetup.resilience4jRetry("bench");
        io.github.resilience4j.circuitbreaker.CircuitBreaker resilience4jPipelineBreaker =
                io.github.resilience4j.circuitbreaker.CircuitBreaker.of("bench-pipeline", resilience4jBreaker.getCircuitBreakerConfig());
        // Same order as Endure's: retry outside, breaker inside, decorated once here and not per call.
        resilience4jRetryAndBreaker = Retry.decorateSupplier(resilience4jRetry,
                io.github.resilience4j.circuitbreaker.CircuitBreaker.decorateSupplier(resilience4jPipelineBreaker, operation));

        failsafeRetryAndBreaker = Failsafe.with(BenchSetup.failsafeRetry(), BenchSetup.failsafeBreaker());
    }

    private static Integer call() {
        return RESULT;
    }

    @Benchmark
    public Integer breakerEndure() {
        return endureBreaker.get(operation);
    }

    @Benchmark
    public Integer breakerEndureConsecutive() {
        return endureConsecutiveBreaker.get(operation);
    }

    @Benchmark
    public Integer breakerResilience4j() {
        return resilience4jBreaker.executeSupplier(operation);
    }

    @Benchmark
    public Integer breakerFailsafe() {
        return failsafeBreaker.get(checkedOperation);
    }

    @Benchmark
    public Integer pipelineEndure() {
        return endurePipeline.get(operation);
    }

    @Benchmark
    public Integer pipelineResilience4j() {
        return resilience4jRetryAndBreaker.get();
    }

    @Benchmark
    public Integer pipelineFailsafe() {
        return failsafeRetryAndBreaker.get(checkedOperation);
    }
}
