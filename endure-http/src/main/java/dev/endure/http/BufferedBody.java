package dev.endure.http;

import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSession;

/**
 * The body of a response that may be retried, read to its end and kept (up to a limit) as bytes.
 *
 * <p>Why: a failed attempt's body must be consumed, or its connection is never returned to the pool;
 * but a caller-chosen handler such as {@code ofInputStream()} would leave that to the caller, who never
 * sees the failed attempt. So responses with a retryable status are drained into memory here, and if
 * one of them turns out to be the final answer (a refused retry, say) the bytes are replayed into the
 * caller's own handler, which then cannot tell the difference.
 */
record BufferedBody(byte[] bytes, long totalLength) {

    boolean truncated() {
        return totalLength > bytes.length;
    }

    /** Drains the whole body, keeping the first {@code limit} bytes. */
    static BodySubscriber<Object> subscriber(int limit) {
        return new Draining(limit);
    }

    /** Feeds the kept bytes to {@code handler}'s subscriber, as if they had just arrived from the network. */
    <T> CompletionStage<T> replayInto(ResponseInfo info, BodyHandler<T> handler) {
        BodySubscriber<T> subscriber = handler.apply(info);
        AtomicBoolean delivered = new AtomicBoolean();
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (n > 0 && delivered.compareAndSet(false, true)) {
                    if (bytes.length > 0) {
                        subscriber.onNext(List.of(ByteBuffer.wrap(bytes).asReadOnlyBuffer()));
                    }
                    subscriber.onComplete();
                }
            }

            @Override
            public void cancel() {
                delivered.set(true);
            }
        });
        return subscriber.getBody();
    }

    /** Reads everything the server sends; never cancels, so the connection ends the exchange cleanly. */
    private static final class Draining implements BodySubscriber<Object> {
        private final int limit;
        private byte[] kept = new byte[0];
        private int size;
        private final CompletableFuture<Object> body = new CompletableFuture<>();
        private long total;

        Draining(int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<Object> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            // Flow guarantees onNext calls are serial, so the buffer needs no lock.
            for (ByteBuffer buffer : buffers) {
                int length = buffer.remaining();
                total += length;
                int room = (int) Math.max(0, Math.min(length, (long) limit - size));
                if (room > 0) {
                    if (size + room > kept.length) {
                        kept = Arrays.copyOf(kept, Math.min(limit, Math.max(size + room, kept.length * 2)));
                    }
                    buffer.get(kept, size, room);
                    size += room;
                }
            }
        }

        @Override
        public void onError(Throwable throwable) {
            body.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            body.complete(new BufferedBody(Arrays.copyOf(kept, size), total));
        }
    }

    /** The status, headers and version of {@code response}, as a handler sees them. */
    static ResponseInfo infoOf(HttpResponse<?> response) {
        return new ResponseInfo() {
            @Override
            public int statusCode() {
                return response.statusCode();
            }

            @Override
            public HttpHeaders headers() {
                return response.headers();
            }

            @Override
            public java.net.http.HttpClient.Version version() {
                return response.version();
            }
        };
    }

    /** {@code response} with another body; everything else is the original's. */
    static <T> HttpResponse<T> withBody(HttpResponse<?> response, T body) {
        return new HttpResponse<>() {
            @Override
            public int statusCode() {
                return response.statusCode();
            }

            @Override
            public java.net.http.HttpRequest request() {
                return response.request();
            }

            @Override
            @SuppressWarnings("unchecked")
            public Optional<HttpResponse<T>> previousResponse() {
                return response.previousResponse().map(previous -> (HttpResponse<T>) previous);
            }

            @Override
            public HttpHeaders headers() {
                return response.headers();
            }

            @Override
            public T body() {
                return body;
            }

            @Override
            public Optional<SSLSession> sslSession() {
                return response.sslSession();
            }

            @Override
            public java.net.URI uri() {
                return response.uri();
            }

            @Override
            public java.net.http.HttpClient.Version version() {
                return response.version();
            }

            @Override
            public String toString() {
                return "(" + request().method() + " " + SafeUrls.redact(uri()) + ") " + statusCode();
            }
        };
    }
}
