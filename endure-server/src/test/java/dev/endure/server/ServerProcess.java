package dev.endure.server;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code endure serve --config <file>} in a child JVM, as an operator runs it: stopped with SIGTERM
 * ({@link #terminate()}) or SIGKILL ({@link #kill()}, which takes its embedded PostgreSQL down with it when
 * asked, as a power cut would).
 */
final class ServerProcess implements AutoCloseable {

    private static final Pattern SERVING = Pattern.compile("Endure is serving on (http://\\S+) ");

    final Process process;
    final String url;
    final List<String> output;

    private ServerProcess(Process process, String url, List<String> output) {
        this.process = process;
        this.url = url;
        this.output = output;
    }

    /** Writes {@code yaml} to {@code dir/name.yaml}, starts the server on it and waits until it serves. */
    static ServerProcess start(Path dir, String name, String yaml) throws Exception {
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, yaml);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "dev.endure.server.cli.EndureCommand", "serve", "--config", config.toString())
                .redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    output.add(line);
                    System.out.println("[" + name + "] " + line);
                }
            } catch (java.io.IOException e) {
                // the child is gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        await().atMost(Duration.ofSeconds(90)).until(() -> output.stream().anyMatch(l -> SERVING.matcher(l).find()) || !process.isAlive());
        String url = output.stream().map(SERVING::matcher).filter(Matcher::find).map(m -> m.group(1)).findFirst()
                .orElseThrow(() -> new AssertionError("server " + name + " did not start:\n" + String.join("\n", output)));
        return new ServerProcess(process, url, output);
    }

    /** The YAML of a server with one admin key, on a free port; {@code more} adds sections. */
    static String config(String adminKey, String storeSection, String more) {
        return String.join("\n",
                "server: { port: 0, shutdownGrace: 10s }",
                storeSection,
                "delivery: { allowTargets: [127.0.0.0/8] }",
                more,
                "auth:",
                "  keys:",
                "    - { name: test, sha256: " + dev.endure.server.auth.ApiKeys.sha256(adminKey) + ", scopes: [read, send, manage] }",
                "");
    }

    /**
     * SIGKILL: no shutdown hook runs. With {@code embeddedData} (the server's {@code store.dataDir}), its
     * embedded PostgreSQL dies the same way at the same moment (postmaster and backends), as in a power cut
     * that spares only what reached the disk; without it, PostgreSQL lives on, as after {@code kill -9} of the
     * JVM alone.
     */
    void kill(Path embeddedData) throws InterruptedException {
        List<ProcessHandle> postgres = new java.util.ArrayList<>();
        if (embeddedData != null) {
            postmasterPid(embeddedData).flatMap(ProcessHandle::of).ifPresent(postmaster -> {
                postgres.add(postmaster);
                postgres.addAll(postmaster.descendants().toList());
            });
        }
        process.destroyForcibly();
        postgres.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(30, TimeUnit.SECONDS);
        for (ProcessHandle child : postgres) {
            child.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        }
    }

    /** The embedded PostgreSQL's postmaster under a server's {@code store.dataDir}. */
    static java.util.Optional<Long> postmasterPid(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid"));
            return lines.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(Long.parseLong(lines.get(0).trim()));
        } catch (java.io.IOException | NumberFormatException none) {
            return java.util.Optional.empty();
        }
    }

    /** SIGTERM: the graceful shutdown. */
    boolean terminate(Duration wait) throws InterruptedException {
        process.destroy();
        return process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill(null);
            }
        }
    }
}
