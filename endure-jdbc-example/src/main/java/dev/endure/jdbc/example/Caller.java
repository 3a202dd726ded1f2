package dev.endure.jdbc.example;

import java.util.Objects;

/**
 * The user a request acts for.
 *
 * @param userId who, for the reservation's audit column
 * @param role what they may do
 * @param organizationId whose authorizations they may touch (ignored for {@link Role#ADMIN})
 */
public record Caller(String userId, Role role, long organizationId) {
    public Caller {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(role, "role");
    }
}
