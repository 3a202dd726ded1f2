package dev.endure.delivery.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.endure.delivery.DeliveryState;
import dev.endure.delivery.NewMessage;
import dev.endure.testing.TestDatabases;
import java.nio.file.Path;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H2DeliveryStoreTest extends DeliveryStoreContract {

    private final DataSource dataSource = TestDatabases.h2().dataSource();

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Test
    void theEmbeddedStoreKeepsAcceptedMessagesAcrossARestart(@TempDir Path directory) throws Exception {
        String delivery;
        try (JdbcDeliveryStore embedded = JdbcDeliveryStore.embedded(directory)) {
            embedded.createEndpoint(endpoint("ep_file"), now);
            delivery = embedded.enqueue(NewMessage.of("e", "{\"kept\":true}"), List.of("ep_file"), now).get(0).deliveryId();
            embedded.claim("crashing-node", 10, LEASE, now, (endpointId, inFlight) -> true);
        }
        try (JdbcDeliveryStore reopened = JdbcDeliveryStore.embedded(directory)) {
            assertThat(reopened.delivery(delivery).orElseThrow().state()).isEqualTo(DeliveryState.IN_FLIGHT);
            // The lease of the node that went away expires and the delivery is claimable again.
            assertThat(reopened.claim("next-node", 10, LEASE, now.plus(LEASE), (endpointId, inFlight) -> true))
                    .singleElement().satisfies(claim -> assertThat(claim.payload()).isEqualTo("{\"kept\":true}"));
        }
    }
}
