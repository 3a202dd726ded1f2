package dev.endure.server;

import dev.endure.server.store.EmbeddedPostgresStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL the chaos suite owns (never the shared one): the server's own embedded PostgreSQL on a temporary
 * directory, which the suite restarts ({@code pg_ctl restart -m fast|immediate}) and stops and starts again
 * with the same binaries, port and options ({@code pg_ctl} reuses them from {@code postmaster.opts}).
 */
final class ChaosPostgres implements AutoCloseable {

    private final EmbeddedPostgresStore store;
    private final Path pgCtl;

    ChaosPostgres(Path dir) throws IOException {
        this.store = EmbeddedPostgresStore.start(dir);
        this.pgCtl = findPgCtl();
    }

    String url() {
        return store.jdbcUrl();
    }

    /** {@code pg_ctl restart -m <mode>}: {@code fast} (clean) or {@code immediate} (crash, then WAL recovery). */
    void restart(String mode) throws Exception {
        pgCtl("restart", "-m", mode, "-w", "-t", "60");
    }

    void stop(String mode) throws Exception {
        pgCtl("stop", "-m", mode, "-w", "-t", "60");
    }

    /** Starts it again after {@link #stop}: pg_ctl restart on a stopped server starts it with the saved options. */
    void start() throws Exception {
        pgCtl("restart", "-w", "-t", "60");
    }

    private void pgCtl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("unshare", "-U")); // as the embedding library does: PostgreSQL refuses to run as root
        }
        command.addAll(List.of(pgCtl.toString(), "-D", store.directory().toString()));
        command.addAll(List.of(args));
        // To a file, not a pipe: the postmaster pg_ctl starts inherits it and would hold a pipe open for its lifetime.
        Path log = store.directory().resolveSibling("pg_ctl.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("pg_ctl " + String.join(" ", args) + " failed: " + Files.readString(log));
        }
    }

    /** The binaries the embedding library unpacked (under java.io.tmpdir/embedded-pg unless told otherwise). */
    private static Path findPgCtl() throws IOException {
        String configured = System.getProperty("ot.epg.working-dir");
        Path root = configured != null ? Path.of(configured) : Path.of(System.getProperty("java.io.tmpdir"), "embedded-pg");
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.map(d -> d.resolve("bin").resolve("pg_ctl")).filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new IOException("no pg_ctl under " + root));
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
