package dev.endure.spring;

import dev.endure.retry.RetryEvent;
import dev.endure.retry.RetryListener;
import dev.endure.spring.annotation.CircuitBreaker;
import dev.endure.spring.annotation.Fallback;
import dev.endure.spring.annotation.Retry;
import dev.endure.spring.annotation.RetryBudget;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** Beans the annotation tests drive against a {@link LoopbackServer}. */
final class AnnotatedBeans {

    private AnnotatedBeans() {}

    /** Thrown for a 5xx answer, so the policies retry it by its type. */
    static final class ServerError extends IOException {
        private static final long serialVersionUID = 1L;

        ServerError(int status) {
            super("HTTP " + status);
        }
    }

    static String get(HttpClient http, LoopbackServer server, String path) throws IOException {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(server.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 500) {
                throw new ServerError(response.statusCode());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static class BillingClient {
        private final LoopbackServer server;
        private final HttpClient http = HttpClient.newHttpClient();

        BillingClient(LoopbackServer server) {
            this.server = server;
        }

        @Retry("billing")
        public String invoice(String id) throws IOException {
            return get(http, server, "/invoices/" + id);
        }

        @Retry("billing")
        public CompletionStage<String> invoiceLater(String id) {
            return http.sendAsync(HttpRequest.newBuilder(server.uri("/invoices/" + id)).build(), HttpResponse.BodyHandlers.ofString())
                    .thenCompose(response -> response.statusCode() >= 500
                            ? CompletableFuture.failedFuture(new ServerError(response.statusCode()))
                            : CompletableFuture.completedFuture(response.body()));
        }

        /** The breaker is written first, yet it sits inside the retry: it sees every attempt. */
        @CircuitBreaker("ledger")
        @Retry("billing")
        public String ledger() throws IOException {
            return get(http, server, "/ledger");
        }

        @CircuitBreaker("ledger")
        public String ledgerOnce() throws IOException {
            return get(http, server, "/ledger");
        }

        @Retry("billing")
        @RetryBudget("tight")
        public String budgeted() throws IOException {
            return get(http, server, "/budgeted");
        }

        @Retry("billing")
        @Fallback("cachedInvoice")
        public String invoiceOrCached(String id) throws IOException {
            return get(http, server, "/invoices/" + id);
        }

        private String cachedInvoice(String id, Exception failure) {
            return "cached " + id + " after " + failure.getClass().getSimpleName();
        }

        @Retry("billing")
        @Fallback("cachedLater")
        public CompletableFuture<String> invoiceLaterOrCached(String id) {
            return invoiceLater(id).toCompletableFuture();
        }

        CompletableFuture<String> cachedLater(String id, Throwable failure) {
            return CompletableFuture.completedFuture("cached " + id);
        }
    }

    /** On the class: every public method runs under the policy. */
    @Retry("billing")
    static class WholeClassClient {
        private final LoopbackServer server;
        private final HttpClient http = HttpClient.newHttpClient();

        WholeClassClient(LoopbackServer server) {
            this.server = server;
        }

        public String status() throws IOException {
            return get(http, server, "/status");
        }
    }

    static class LimitedClient {
        /** Holds its slot of limit "one" until {@code release} opens. */
        @Retry("billing")
        @dev.endure.spring.annotation.ConcurrencyLimit("one")
        public String hold(java.util.concurrent.CountDownLatch entered, java.util.concurrent.CountDownLatch release)
                throws InterruptedException {
            entered.countDown();
            if (!release.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
            return "done";
        }
    }

    static class MisspelledPolicy {
        @Retry("biling")
        public String call() {
            return "never";
        }
    }

    static class WrongFallback {
        @Retry("billing")
        @Fallback("recover")
        public String call(String id) {
            return id;
        }

        String recover(String id) {
            return id;
        }
    }

    static class FallbackAlone {
        @Fallback("recover")
        public String call() {
            return "never";
        }

        String recover(Throwable failure) {
            return "recovered";
        }
    }

    static class BudgetWithoutRetry {
        @RetryBudget("tight")
        public String call() {
            return "never";
        }
    }

    /** Every retry event of every retrier the starter builds. */
    static class RecordingListener implements RetryListener {
        final List<RetryEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onEvent(RetryEvent event) {
            events.add(event);
        }

        List<String> kinds() {
            return events.stream().map(event -> event.getClass().getSimpleName()).toList();
        }
    }
}
