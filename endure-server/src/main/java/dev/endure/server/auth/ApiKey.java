package dev.endure.server.auth;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A configured API key as the server stores it: a name for logs, the SHA-256 of the key (never the
 * key itself) and its scopes.
 */
public record ApiKey(String name, String sha256, Set<Scope> scopes) {

    public ApiKey {
        Objects.requireNonNull(name, "name");
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("API key " + name + ": sha256 must be 64 lowercase hex characters");
        }
        if (scopes == null || scopes.isEmpty()) {
            throw new IllegalArgumentException("API key " + name + ": needs at least one scope (read, send, manage)");
        }
        scopes = Set.copyOf(EnumSet.copyOf(scopes));
    }

    public boolean allows(Scope scope) {
        return scopes.contains(scope);
    }

    @Override
    public String toString() {
        return "ApiKey[" + name + " " + scopes + "]";
    }
}
