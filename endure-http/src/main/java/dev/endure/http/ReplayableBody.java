package dev.endure.http;

import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.function.Supplier;

/**
 * A request body that can be sent again on a retry: a {@link BodyPublisher} that builds a fresh
 * publisher for every attempt. Use it where the JDK's own factories are not enough to prove the body
 * can be replayed.
 *
 * <pre>{@code
 * HttpRequest request = HttpRequest.newBuilder(uri)
 *     .PUT(ReplayableBody.of(() -> BodyPublishers.ofInputStream(() -> Files.newInputStream(path))))
 *     .build();
 * }</pre>
 *
 * <p>Why it exists: the JDK does not say whether a publisher can be subscribed twice. Endure recognises
 * the JDK's {@code ofString}, {@code ofByteArray}, {@code ofFile} and {@code noBody} publishers as
 * replayable; anything else (an {@code ofInputStream} over one stream, {@code fromPublisher}, ...) is
 * treated as one-shot and refused before the first attempt when the request could be retried, because a
 * second attempt would silently send an empty or partial body.
 */
public final class ReplayableBody implements BodyPublisher {

    /** The length is asked of a fresh publisher each time (a file may have changed). */
    private static final long UNKNOWN = Long.MIN_VALUE;

    private final Supplier<? extends BodyPublisher> factory;
    private final long contentLength;

    private ReplayableBody(Supplier<? extends BodyPublisher> factory, long contentLength) {
        this.factory = factory;
        this.contentLength = contentLength;
    }

    /** A UTF-8 string. */
    public static ReplayableBody ofString(String body) {
        return ofString(body, StandardCharsets.UTF_8);
    }

    public static ReplayableBody ofString(String body, Charset charset) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(charset, "charset");
        return ofBytes(body.getBytes(charset));
    }

    /** These bytes; the array is copied, so later changes to it do not leak into a retry. */
    public static ReplayableBody ofBytes(byte[] body) {
        byte[] copy = Objects.requireNonNull(body, "body").clone();
        return new ReplayableBody(() -> BodyPublishers.ofByteArray(copy), copy.length);
    }

    /** A file, read anew on every attempt. */
    public static ReplayableBody ofFile(Path file) {
        Objects.requireNonNull(file, "file");
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("request body file " + file + " does not exist or is not readable");
        }
        return new ReplayableBody(() -> {
            try {
                return BodyPublishers.ofFile(file);
            } catch (java.io.FileNotFoundException gone) {
                throw new java.io.UncheckedIOException("request body file " + file + " vanished before an attempt", gone);
            }
        }, UNKNOWN);
    }

    /**
     * Any body, given a factory that returns a new, independent publisher on each call (for example one
     * that reopens a stream). The caller vouches for that; the factory is called for every attempt, and
     * once more whenever the client asks for the content length.
     */
    public static ReplayableBody of(Supplier<? extends BodyPublisher> factory) {
        return new ReplayableBody(Objects.requireNonNull(factory, "factory"), UNKNOWN);
    }

    @Override
    public long contentLength() {
        if (contentLength != UNKNOWN) {
            return contentLength;
        }
        // The length must be known before subscribing; a fresh publisher answers it without being used.
        return newPublisher().contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        newPublisher().subscribe(subscriber);
    }

    private BodyPublisher newPublisher() {
        BodyPublisher publisher = factory.get();
        if (publisher == null) {
            throw new NullPointerException("ReplayableBody factory returned null");
        }
        return publisher;
    }

    /**
     * True if the body of {@code request} can be sent more than once. No body, a {@link ReplayableBody}
     * and the JDK's byte, string, file and empty publishers can; anything else is treated as one-shot.
     */
    public static boolean isReplayable(HttpRequest request) {
        return request.bodyPublisher().map(ReplayableBody::isReplayable).orElse(true);
    }

    static boolean isReplayable(BodyPublisher publisher) {
        if (publisher instanceof ReplayableBody) {
            return true;
        }
        // The JDK's implementations are internal classes; matching their names is the only way to know.
        // An unknown name (a future JDK) fails safe: the request is refused with advice, never resent empty.
        String name = publisher.getClass().getName();
        return name.equals("jdk.internal.net.http.RequestPublishers$ByteArrayPublisher")
                || name.equals("jdk.internal.net.http.RequestPublishers$StringPublisher")
                || name.equals("jdk.internal.net.http.RequestPublishers$FilePublisher")
                || name.equals("jdk.internal.net.http.RequestPublishers$EmptyPublisher");
    }

    @Override
    public String toString() {
        return "ReplayableBody[" + (contentLength >= 0 ? contentLength + " bytes" : "from a factory") + "]";
    }
}
