package dev.endure.http;

import java.util.Optional;

/**
 * Which request an attempt's I/O failure belongs to, attached to the JDK's own exception as a suppressed
 * one (so the exception keeps its type for callers and classifiers): retry events and log lines then name
 * the URL of a timeout or a refused connection ({@code url=}), and a stack trace shows it as
 * {@code Suppressed: ... FailedRequest: GET https://host/path}. Stackless; never thrown.
 */
final class FailedRequest extends Exception {

    private final String url;

    private FailedRequest(String method, String url) {
        super(method + " " + url, null, false, false);
        this.url = url;
    }

    /** Marks {@code failure} (once) with its request; returns it for throwing. */
    static <X extends Throwable> X attach(X failure, String method, String url) {
        if (of(failure).isEmpty()) {
            failure.addSuppressed(new FailedRequest(method, url));
        }
        return failure;
    }

    /** The URL (redacted) of the request {@code failure} belongs to, if it was marked. */
    static Optional<String> of(Throwable failure) {
        if (failure != null) {
            for (Throwable suppressed : failure.getSuppressed()) {
                if (suppressed instanceof FailedRequest request) {
                    return Optional.of(request.url);
                }
            }
        }
        return Optional.empty();
    }
}
