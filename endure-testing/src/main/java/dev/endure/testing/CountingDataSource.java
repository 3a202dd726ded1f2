package dev.endure.testing;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Wraps a real DataSource and counts the connections it hands out and gets back, recording the auto-commit and
 * isolation each connection had when it was closed: how tests prove that code under test leaks no connection and
 * restores what it changed. Not a mock: every call goes to the real connection.
 */
public final class CountingDataSource implements DataSource {

    /**
     * The state a connection was in when the code under test closed it ({@code isolation} is -1 and
     * {@code autoCommit} false when the connection was broken by then).
     */
    public record Returned(boolean autoCommit, int isolation) {}

    private final DataSource delegate;
    private final AtomicInteger borrowed = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final List<Returned> returned = new CopyOnWriteArrayList<>();
    private final AtomicInteger statements = new AtomicInteger();
    private final AtomicInteger commits = new AtomicInteger();

    public CountingDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    /** Connections handed out so far. */
    public int borrowed() {
        return borrowed.get();
    }

    /** Connections handed out and not closed yet. */
    public int open() {
        return open.get();
    }

    /**
     * Statements prepared or created so far: each is executed once or as one batch, so this is the
     * number of database round trips apart from commits (how tests bound the cost of an operation).
     */
    public int statements() {
        return statements.get();
    }

    /** Commits so far. */
    public int commits() {
        return commits.get();
    }

    /** What each closed connection looked like, in closing order. */
    public List<Returned> returned() {
        return List.copyOf(returned);
    }

    @Override
    public Connection getConnection() throws SQLException {
        return track(delegate.getConnection());
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        return track(delegate.getConnection(user, password));
    }

    private Connection track(Connection real) {
        borrowed.incrementAndGet();
        open.incrementAndGet();
        AtomicBoolean closed = new AtomicBoolean();
        InvocationHandler handler = (proxy, method, args) -> {
            String name = method.getName();
            if (name.equals("prepareStatement") || name.equals("createStatement") || name.equals("prepareCall")) {
                statements.incrementAndGet();
            } else if (name.equals("commit")) {
                commits.incrementAndGet();
            }
            if (method.getName().equals("close") && method.getParameterCount() == 0) {
                if (closed.compareAndSet(false, true)) {
                    open.decrementAndGet();
                    boolean autoCommit;
                    int isolation;
                    try {
                        autoCommit = real.getAutoCommit();
                        isolation = real.getTransactionIsolation();
                    } catch (SQLException broken) {
                        autoCommit = false;
                        isolation = -1;
                    }
                    returned.add(new Returned(autoCommit, isolation));
                }
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return delegate.isWrapperFor(iface);
    }
}
