package dev.endure.delivery;

import dev.endure.delivery.jdbc.JdbcDeliveryStore;
import dev.endure.delivery.ssrf.SsrfGuard;
import dev.endure.delivery.transport.HttpClientTransport;
import dev.endure.retry.Backoff;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * One worker node for {@link MultiNodeDeliveryTest}, run in its own JVM: {@code <jdbcUrl> <owner>}.
 * Prints READY when built, starts polling once a line arrives on stdin (so all nodes start together), and
 * runs until killed (SIGTERM closes it cleanly, SIGKILL does not).
 */
public final class DeliveryNodeMain {

    private DeliveryNodeMain() {}

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String owner = args[1];
        JdbcDeliveryStore store = JdbcDeliveryStore.pooled(url, null, null, 6);
        // The timeout outlasts the receiver's hold until the kill (so held requests are in flight, not timed
        // out), and the worker's lease (renewed every 2 s while in flight) outlasts the test's look at the
        // killed node's claims; both short enough that the killed node's claims come back within seconds.
        DeliveryPolicy policy = DeliveryPolicy.builder()
                .backoff(Backoff.exponential(Duration.ofMillis(200), 2).withCap(Duration.ofSeconds(1)))
                .timeout(Duration.ofSeconds(5))
                .failureRate(FailureRateRule.NEVER)
                .build();
        DeliveryWorker worker = DeliveryWorker.builder(store)
                .owner(owner)
                .policy(policy)
                .ssrfGuard(SsrfGuard.defaults().allowingLoopback())
                .transport(HttpClientTransport.builder().userAgent("endure-node/" + owner).build())
                .concurrency(4)
                .lease(Duration.ofSeconds(8))
                .pollInterval(Duration.ofMillis(50))
                .listener(event -> {
                    if (!(event instanceof DeliveryEvent.Delivered) && !(event instanceof DeliveryEvent.QueueProcessed)) {
                        System.out.println(System.currentTimeMillis() + " " + event); // the test's log, for a failure's story
                    }
                })
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            try {
                store.close();
            } catch (Exception ignored) {
                // exiting anyway
            }
            stopped.countDown();
        }));
        System.out.println("READY " + owner);
        System.out.flush();
        String go = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8))
                .readLine();
        if (go == null) {
            System.exit(2); // the test went away before saying go
        }
        worker.start();
        System.out.println("STARTED " + owner);
        System.out.flush();
        stopped.await();
    }
}
