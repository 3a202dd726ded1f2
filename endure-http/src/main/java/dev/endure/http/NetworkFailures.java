package dev.endure.http;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Which failures of {@link java.net.http.HttpClient} are transient network trouble worth a retry, and
 * how to name them in a log line. Pure: looks only at the exception.
 *
 * <p>Transient: connection refused ({@link ConnectException}), connect and request timeouts
 * ({@link HttpTimeoutException}), a reset or broken connection ({@link SocketException}), the peer
 * closing before or during the response ({@link EOFException}, {@link ClosedChannelException}, and the
 * plain {@link IOException} the JDK client throws for "header parser received no bytes" or "fixed
 * content-length ... bytes received"). Not transient: TLS failures ({@link SSLException}: a bad
 * certificate does not heal in 100 ms) and every other {@code IOException} subclass, such as a
 * {@link java.net.ProtocolException} for a malformed response or a body handler's own parse error.
 */
public final class NetworkFailures {

    private NetworkFailures() {}

    /** True if {@code failure} is network trouble that a new attempt may not meet. */
    public static boolean isTransient(Throwable failure) {
        if (failure instanceof SSLException) {
            return false;
        }
        return failure instanceof HttpTimeoutException
                || failure instanceof ConnectException
                || failure instanceof SocketException
                || failure instanceof EOFException
                || failure instanceof ClosedChannelException
                // The JDK client reports a connection closed by the peer as a bare IOException; its
                // subclasses (ProtocolException, CharacterCodingException, ...) are real errors.
                || (failure != null && failure.getClass() == IOException.class);
    }

    /**
     * True if {@code failure} proves the request never left: no byte of it reached the server, so sending
     * it again is safe for every method, POST included. These count: connection refused and every other
     * failure to connect ({@link ConnectException}, which the JDK also uses for an unknown host), a
     * connect timeout ({@link HttpConnectTimeoutException}), an unresolvable host
     * ({@link UnknownHostException}, {@link UnresolvedAddressException}) and a failed TLS handshake
     * ({@link SSLHandshakeException}: the request is written only after the handshake). A reset or a
     * timeout after connecting does not count: the server may have read and acted on the request.
     */
    public static boolean isNothingSent(Throwable failure) {
        for (Throwable current = failure; current != null; current = current.getCause()) {
            if (current instanceof ConnectException || current instanceof HttpConnectTimeoutException
                    || current instanceof UnknownHostException || current instanceof UnresolvedAddressException
                    || current instanceof SSLHandshakeException) {
                return true;
            }
            if (current.getCause() == current) {
                break;
            }
        }
        return false;
    }

    /**
     * True if the JDK's client sent the request twice before reporting {@code failure}: it repeats a GET
     * or HEAD once, by itself, when the connection closes before any byte of a response arrives, and
     * reports the second exchange's failure ("header parser received no bytes"). The first closing is
     * invisible, and a repeat that succeeds leaves no trace at all; this is the case that can be known.
     */
    public static boolean isResentByTheJdk(String method, Throwable failure) {
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            return false;
        }
        return failure != null && failure.getClass() == IOException.class && messageContains(failure, "received no bytes");
    }

    /** A short, stable name for logs and events, e.g. {@code "connection refused"}. */
    public static String describe(Throwable failure) {
        if (failure == null) {
            return "no failure";
        }
        if (failure instanceof dev.endure.breaker.CallNotPermittedException rejected) {
            return rejected.getMessage(); // the breaker's own words: which breaker, which state, until when
        }
        String kind;
        if (failure instanceof HttpConnectTimeoutException) {
            kind = "connect timed out";
        } else if (failure instanceof HttpTimeoutException) {
            kind = "request timed out";
        } else if (failure instanceof ConnectException) {
            kind = "connection refused";
        } else if (failure instanceof SocketException && messageContains(failure, "reset")) {
            kind = "connection reset";
        } else if (failure instanceof EOFException || failure instanceof ClosedChannelException
                || (failure.getClass() == IOException.class && messageContains(failure, "no bytes"))) {
            kind = "connection closed before the response";
        } else if (failure.getClass() == IOException.class && messageContains(failure, "content-length")) {
            kind = "connection closed during the response body";
        } else {
            kind = "I/O failure";
        }
        String message = failure.getMessage();
        return kind + " (" + failure.getClass().getName() + (message == null || message.isBlank() ? "" : ": " + message) + ")";
    }

    private static boolean messageContains(Throwable failure, String word) {
        String message = failure.getMessage();
        return message != null && message.toLowerCase(java.util.Locale.ROOT).contains(word);
    }
}
