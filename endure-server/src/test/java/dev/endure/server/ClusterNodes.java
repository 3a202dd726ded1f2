package dev.endure.server;

import dev.endure.delivery.crypto.SecretCipher;
import dev.endure.server.config.ConfigKey;
import dev.endure.server.config.ServerConfig;

/** The settings of a test's server nodes sharing one PostgreSQL: each node started with it joins the same cluster. */
final class ClusterNodes {

    private ClusterNodes() {}

    /** Small pool and concurrency, a fast poll, loopback receivers allowed, one sealing key for every node. */
    static ServerConfig config(String storeUrl, TestKeys keys) {
        return ServerConfig.defaults()
                .with(ConfigKey.SERVER_PORT, 0)
                .with(ConfigKey.STORE_URL, storeUrl)
                .with(ConfigKey.SECRET_KEY, SecretCipher.newKeyText())
                .with(ConfigKey.STORE_POOL_SIZE, 4)
                .with(ConfigKey.DELIVERY_ALLOW_TARGETS, "127.0.0.0/8")
                .with(ConfigKey.WORKER_CONCURRENCY, 4)
                .with(ConfigKey.WORKER_POLL_INTERVAL, "20ms")
                .withApiKeys(keys.stored());
    }
}
