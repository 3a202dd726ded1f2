package dev.endure.bench.delivery;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;

/**
 * Counts a pool's database round trips as the driver makes them: every {@code execute*} of a statement
 * (a JDBC batch is one round trip in the PostgreSQL driver), every commit and rollback, and every connection
 * taken from the pool. {@code BEGIN} costs none: the driver sends it with the transaction's first statement.
 */
final class CountingDataSource {

    final LongAdder statements = new LongAdder();
    final LongAdder commits = new LongAdder();
    final LongAdder rollbacks = new LongAdder();
    final LongAdder connections = new LongAdder();
    final DataSource dataSource;

    CountingDataSource(DataSource target) {
        this.dataSource = proxy(DataSource.class, target, (method, result) -> {
            if (method.getName().equals("getConnection")) {
                connections.increment();
                return proxy(Connection.class, result, this::onConnection);
            }
            return result;
        });
    }

    /** statements, commits, rollbacks, connections taken, this process's CPU nanoseconds: "STATS s c r n cpu". */
    String line() {
        return "STATS " + statements.sum() + " " + commits.sum() + " " + rollbacks.sum() + " " + connections.sum() + " " + cpuNanos();
    }

    /** A process that does not count round trips still reports its CPU time. */
    static String cpuOnly() {
        return "STATS 0 0 0 0 " + cpuNanos();
    }

    /** The counters of a {@link #line()}, or null if the line is something else. */
    static long[] parse(String line) {
        String[] parts = line.split(" ");
        if (parts.length != 6 || !parts[0].equals("STATS")) {
            return null;
        }
        long[] values = new long[5];
        for (int k = 0; k < 5; k++) {
            values[k] = Long.parseLong(parts[k + 1]);
        }
        return values;
    }

    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    @SuppressWarnings("unchecked")
    private Object onConnection(Method method, Object result) {
        switch (method.getName()) {
            case "commit" -> commits.increment();
            case "rollback" -> rollbacks.increment();
            case "prepareStatement", "createStatement", "prepareCall" -> {
                return proxy((Class<Object>) method.getReturnType(), result,
                        (m, r) -> {
                            if (m.getName().startsWith("execute")) {
                                statements.increment();
                            }
                            return r;
                        });
            }
            default -> { }
        }
        return result;
    }

    interface After {
        Object apply(Method method, Object result);
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Object target, After after) {
        InvocationHandler handler = (self, method, args) -> {
            if (method.getName().equals("unwrap") || method.getName().equals("isWrapperFor")) {
                return method.invoke(target, args);
            }
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            return after.apply(method, result);
        };
        return (T) Proxy.newProxyInstance(CountingDataSource.class.getClassLoader(), new Class<?>[] {type}, handler);
    }
}
