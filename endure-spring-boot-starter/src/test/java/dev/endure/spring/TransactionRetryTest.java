package dev.endure.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.endure.jdbc.CommitOutcomeUnknownException;
import dev.endure.jdbc.SqlStates;
import dev.endure.registry.ResilienceRegistry;
import dev.endure.spring.annotation.TransactionRetry;
import dev.endure.spring.internal.EndureFailureAnalyzer;
import dev.endure.testing.SeverableTcpProxy;
import dev.endure.testing.TestDatabases;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/** {@link TransactionRetry} on a real PostgreSQL, with concurrent SERIALIZABLE transactions that conflict (40001). */
class TransactionRetryTest {

    private DataSource database;

    @BeforeEach
    void freshSchema() {
        database = TestDatabases.postgres().dataSource();
        new JdbcTemplate(database).execute("CREATE TABLE bookings (id SERIAL PRIMARY KEY, units INT NOT NULL)");
    }

    /** Seed 000's units service: books units if fewer than the limit are booked (write skew under SERIALIZABLE). */
    static class Units {
        private final JdbcTemplate jdbc;
        private final Probe probe;

        Units(JdbcTemplate jdbc, Probe probe) {
            this.jdbc = jdbc;
            this.probe = probe;
        }

        @TransactionRetry
        @Transactional(isolation = Isolation.SERIALIZABLE)
        public int book(int units) throws Exception {
            int attempt = probe.attempts.incrementAndGet();
            probe.transactionIds.add(jdbc.queryForObject("SELECT txid_current()", Long.class));
            int booked = jdbc.queryForObject("SELECT COALESCE(SUM(units), 0) FROM bookings", Integer.class);
            CyclicBarrier barrier = probe.bothHaveRead;
            if (barrier != null && attempt <= 2) {
                barrier.await(10, TimeUnit.SECONDS); // both first attempts read before either writes
            }
            if (booked + units > 10) {
                throw new IllegalStateException("only " + (10 - booked) + " units left");
            }
            jdbc.update("INSERT INTO bookings (units) VALUES (?)", units);
            probe.beforeReturn.run();
            return booked + units;
        }
    }

    /** What the test sees of each attempt (the bean itself is a proxy: its fields are not the target's). */
    static final class Probe {
        final List<Long> transactionIds = new CopyOnWriteArrayList<>();
        final AtomicInteger attempts = new AtomicInteger();
        volatile CyclicBarrier bothHaveRead;
        volatile Runnable beforeReturn = () -> {};
    }

    private final Probe probe = new Probe();

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class App {
        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new JdbcTransactionManager(dataSource);
        }

        @Bean
        Units units(DataSource dataSource, Probe probe) {
            return new Units(new JdbcTemplate(dataSource), probe);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement(order = Ordered.HIGHEST_PRECEDENCE)
    static class TransactionsClaimTheOutermostPlace {
        @Bean
        PlatformTransactionManager transactionManager(DataSource dataSource) {
            return new JdbcTransactionManager(dataSource);
        }
    }

    private ApplicationContextRunner runner(DataSource dataSource) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(EndureAutoConfiguration.class))
                .withBean(DataSource.class, () -> dataSource)
                .withBean(Probe.class, () -> probe);
    }

    @Test
    void aSerializationFailureReRunsTheWholeTransactionAsANewOne() {
        runner(database).withUserConfiguration(App.class).run(context -> {
            Units units = context.getBean(Units.class);
            probe.bothHaveRead = new CyclicBarrier(2);
            CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> book(units, 6));
            CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> book(units, 6));

            // One of the two commits; the other fails with 40001, is re-run on a new transaction, sees the first
            // booking and refuses: never 12 units booked out of 10.
            CompletableFuture.allOf(first.exceptionally(e -> -1), second.exceptionally(e -> -1)).get(30, TimeUnit.SECONDS);
            List<Throwable> failures = java.util.stream.Stream.of(first, second).filter(CompletableFuture::isCompletedExceptionally)
                    .map(f -> f.handle((v, e) -> e.getCause()).join()).toList();
            assertThat(failures).singleElement().satisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                    .hasMessage("only 4 units left"));
            assertThat(new JdbcTemplate(database).queryForObject("SELECT SUM(units) FROM bookings", Integer.class)).isEqualTo(6);
            assertThat(probe.attempts).hasValue(3);
            assertThat(probe.transactionIds).as("each attempt its own transaction").doesNotHaveDuplicates().hasSize(3);
            var stats = context.getBean(ResilienceRegistry.class).findRetrier("jdbc-transaction").orElseThrow().stats().snapshot();
            assertThat(stats.retries()).isEqualTo(1);
            assertThat(stats.attempts()).isEqualTo(3);
        });
    }

    @Test
    void aCallInsideAnOpenTransactionFailsInsteadOfRetryingPartOfIt() {
        runner(database).withUserConfiguration(App.class).run(context -> {
            TransactionTemplate outer = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
            Units units = context.getBean(Units.class);
            assertThatThrownBy(() -> outer.execute(status -> book(units, 1)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("called inside an open transaction");
            assertThat(probe.attempts).hasValue(0);
        });
    }

    @Test
    void aTransactionAdvisorOrderedOutermostFailsStartup() {
        runner(database).withUserConfiguration(TransactionsClaimTheOutermostPlace.class)
                .withBean(Units.class, () -> new Units(new JdbcTemplate(database), probe))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(new EndureFailureAnalyzer().analyze(context.getStartupFailure()).getDescription())
                            .contains("Ordered.HIGHEST_PRECEDENCE").contains("@EnableTransactionManagement(order = ...)");
                });
    }

    @Test
    void aConnectionLostDuringCommitIsSurfacedAndNotReRun() throws Exception {
        URI base = URI.create(TestDatabases.postgresBaseUrl().substring("jdbc:".length()));
        try (SeverableTcpProxy proxy = new SeverableTcpProxy(base.getHost(), base.getPort())) {
            PGSimpleDataSource direct = (PGSimpleDataSource) database;
            PGSimpleDataSource throughProxy = new PGSimpleDataSource();
            throughProxy.setUrl(direct.getUrl().replace(":" + base.getPort() + "/", ":" + proxy.port() + "/"));
            runner(throughProxy).withUserConfiguration(App.class).run(context -> {
                Units units = context.getBean(Units.class);
                probe.beforeReturn = proxy::cutAfterNextRequestIsAnswered; // COMMIT reaches the server; its reply is lost

                assertThatThrownBy(() -> units.book(3)).isInstanceOfSatisfying(TransactionOutcomeUnknownException.class, e -> {
                    assertThat(e.attempt()).isEqualTo(1);
                    assertThat(e.getMessage()).contains("during COMMIT of attempt 1 of Units.book(int)").contains("not re-run");
                    assertThat(e.getCause()).isInstanceOf(CommitOutcomeUnknownException.class);
                    assertThat(SqlStates.isConnectionFailure(e.getCause().getCause())).isTrue();
                });
                assertThat(probe.attempts).hasValue(1);
                // Why it must not re-run: the server did commit.
                assertThat(new JdbcTemplate(database).queryForObject("SELECT COUNT(*) FROM bookings", Integer.class)).isEqualTo(1);
            });
        }
    }

    private static int book(Units units, int count) {
        try {
            return units.book(count);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
