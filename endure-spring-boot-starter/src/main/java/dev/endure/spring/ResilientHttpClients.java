package dev.endure.spring;

import dev.endure.http.ResilientHttpClient;
import java.util.Collections;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * Every HTTP client of {@code endure.http.clients}, by name. Each is also a bean of its own, injectable
 * with {@code @Qualifier("billing") ResilientHttpClient billing} (or as a plain {@code HttpClient}).
 */
public final class ResilientHttpClients {

    private final Map<String, ResilientHttpClient> clients;

    public ResilientHttpClients(Map<String, ResilientHttpClient> clients) {
        this.clients = Collections.unmodifiableMap(new TreeMap<>(clients));
    }

    /** The client named {@code name} in {@code endure.http.clients}. */
    public ResilientHttpClient get(String name) {
        ResilientHttpClient client = clients.get(name);
        if (client == null) {
            throw new NoSuchElementException("no HTTP client named '" + name + "' in endure.http.clients"
                    + (clients.isEmpty() ? " (none is configured)" : " (configured: " + String.join(", ", clients.keySet()) + ")"));
        }
        return client;
    }

    public Map<String, ResilientHttpClient> all() {
        return clients;
    }
}
