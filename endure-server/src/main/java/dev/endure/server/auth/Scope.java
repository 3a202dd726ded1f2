package dev.endure.server.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What an API key may do. Every API route needs exactly one scope; a key without it gets 403. */
public enum Scope {
    /** Read endpoints, messages, attempts, stats (every GET, and the dashboard's views). */
    READ,
    /** Send messages. */
    SEND,
    /** Create, change, delete, enable and disable endpoints; rotate secrets; replay. */
    MANAGE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code read}, {@code send}, {@code manage}; the error lists the valid names. */
    public static Scope parse(String text) {
        for (Scope scope : values()) {
            if (scope.id().equalsIgnoreCase(text.trim())) {
                return scope;
            }
        }
        throw new IllegalArgumentException("unknown scope '" + text + "'; expected one of "
                + Arrays.stream(values()).map(Scope::id).collect(Collectors.joining(", ")));
    }
}
