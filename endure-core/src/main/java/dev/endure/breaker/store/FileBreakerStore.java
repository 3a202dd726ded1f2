package dev.endure.breaker.store;

import dev.endure.breaker.BreakerRecord;
import dev.endure.breaker.BreakerState;
import dev.endure.breaker.BreakerStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keeps each breaker's record in its own small file in one directory, so an OPEN breaker is still OPEN
 * (for the rest of its time, with its growth step) after the JVM restarts. Seed 002's "state persistence".
 *
 * <p>Writes are atomic: the record goes to a temporary file in the same directory, is forced to disk and
 * then moved over the old file with {@link StandardCopyOption#ATOMIC_MOVE}, so a crash leaves either the
 * old record or the new one, never half of one. Files are {@code <name>.breaker} in
 * {@link Properties} format (readable, and editable by an operator in an emergency); a name's characters
 * other than letters, digits, {@code .}, {@code -} and {@code _} are percent-encoded in the file name.
 * One JVM per directory: this store does not watch for other writers.
 */
public final class FileBreakerStore implements BreakerStore {

    private final Path directory;
    private final ReentrantLock writeLock = new ReentrantLock();

    private FileBreakerStore(Path directory) {
        this.directory = directory;
    }

    /**
     * A store in {@code directory}, created if missing.
     *
     * @throws UncheckedIOException if the directory cannot be created
     */
    public static FileBreakerStore in(Path directory) {
        Objects.requireNonNull(directory, "directory");
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the breaker store directory " + directory, e);
        }
        return new FileBreakerStore(directory);
    }

    public Path directory() {
        return directory;
    }

    /** The file that holds breaker {@code name}. */
    public Path fileOf(String name) {
        StringBuilder file = new StringBuilder();
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || (c == '.' && file.length() > 0)) {
                file.append(c);
            } else {
                file.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return directory.resolve(file + ".breaker");
    }

    /**
     * @throws IllegalStateException if the file exists but is not a valid record (naming the file and key)
     */
    @Override
    public Optional<BreakerRecord> load(String name) {
        Path file = fileOf(Objects.requireNonNull(name, "name"));
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read breaker file " + file, e);
        }
        return Optional.of(parse(file, properties));
    }

    @Override
    public long save(BreakerRecord record) {
        Path file = fileOf(record.name());
        writeLock.lock();
        try {
            long version = load(record.name()).map(BreakerRecord::version).orElse(0L) + 1;
            Properties properties = new Properties();
            properties.setProperty("name", record.name());
            properties.setProperty("state", record.state().name());
            if (record.openUntil() != null) {
                properties.setProperty("openUntil", record.openUntil().toString());
            }
            properties.setProperty("openStep", Integer.toString(record.openStep()));
            properties.setProperty("forced", Boolean.toString(record.forced()));
            properties.setProperty("version", Long.toString(version));
            properties.setProperty("writer", record.writer());
            properties.setProperty("updatedAt", record.updatedAt().toString());
            writeAtomically(file, properties);
            return version;
        } finally {
            writeLock.unlock();
        }
    }

    private void writeAtomically(Path file, Properties properties) {
        Path temporary = null;
        try {
            temporary = Files.createTempFile(directory, ".breaker-", ".tmp");
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                    OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
                properties.store(out, "Endure circuit breaker state; written atomically, do not edit while running");
                out.flush();
                channel.force(true); // on disk before the rename, or a crash could leave an empty file behind
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException notAtomic) {
                throw new UncheckedIOException("the file system of " + directory
                        + " cannot rename atomically; a breaker store there could be left half-written", notAtomic);
            }
            temporary = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write breaker file " + file, e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // a stray temporary file is harmless: it is never read
                }
            }
        }
    }

    private static BreakerRecord parse(Path file, Properties properties) {
        try {
            String until = properties.getProperty("openUntil");
            return new BreakerRecord(
                    required(file, properties, "name"),
                    BreakerState.valueOf(required(file, properties, "state")),
                    until == null || until.isBlank() ? null : Instant.parse(until),
                    Integer.parseInt(required(file, properties, "openStep")),
                    Boolean.parseBoolean(required(file, properties, "forced")),
                    Long.parseLong(required(file, properties, "version")),
                    required(file, properties, "writer"),
                    Instant.parse(required(file, properties, "updatedAt")));
        } catch (IllegalArgumentException | DateTimeParseException bad) {
            throw new IllegalStateException("breaker file " + file + " is not a valid record: " + bad.getMessage(), bad);
        }
    }

    private static String required(Path file, Properties properties, String key) {
        String value = properties.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("key '" + key + "' is missing in " + file);
        }
        return value.trim();
    }

    @Override
    public String toString() {
        return "FileBreakerStore[" + directory + "]";
    }
}
