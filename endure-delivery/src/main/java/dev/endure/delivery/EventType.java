package dev.endure.delivery;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An entry of the event-type catalogue: a name messages are sent with (such as {@code invoice.paid}), what it
 * means, an optional JSON Schema every payload of this type must match (its text, or null), and whether it is
 * archived (no longer sendable; endpoints keep their subscriptions to it).
 */
public record EventType(String name, String description, String payloadSchema, boolean archived, Instant createdAt, Instant updatedAt) {

    /** Letters, digits, '.', '_' and '-', 1 to 255 of them: safe in URLs, headers and logs as they are. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,255}");

    public EventType {
        checkName(name);
        Objects.requireNonNull(description, "description");
        if (description.length() > 1000) {
            throw new IllegalArgumentException("event type " + name + " description must be at most 1000 characters");
        }
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /** @throws IllegalArgumentException naming the rule, unless {@code name} is a valid event type name */
    public static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("event type name must be 1 to 255 letters, digits, '.', '_' or '-' (was "
                    + (name == null ? "null" : "'" + name + "'") + ")");
        }
    }

    public EventType archivedAt(Instant now) {
        return new EventType(name, description, payloadSchema, true, createdAt, now);
    }
}
