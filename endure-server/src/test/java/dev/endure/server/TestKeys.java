package dev.endure.server;

import dev.endure.server.auth.ApiKey;
import dev.endure.server.auth.ApiKeys;
import dev.endure.server.auth.Scope;
import java.util.List;
import java.util.Set;

/** Fresh keys per test run: an admin, a read-only and a send-only key. */
final class TestKeys {

    final String admin = ApiKeys.generate();
    final String reader = ApiKeys.generate();
    final String sender = ApiKeys.generate();

    List<ApiKey> stored() {
        return List.of(new ApiKey("admin", ApiKeys.sha256(admin), Set.of(Scope.values())),
                new ApiKey("reader", ApiKeys.sha256(reader), Set.of(Scope.READ)),
                new ApiKey("sender", ApiKeys.sha256(sender), Set.of(Scope.SEND)));
    }
}
