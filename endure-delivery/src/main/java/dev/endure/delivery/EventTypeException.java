package dev.endure.delivery;

/** An event type that cannot be used as asked: unknown, archived, or (on creation) already there. */
public final class EventTypeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What is wrong with the event type. */
    public enum Kind {
        UNKNOWN,
        ARCHIVED,
        EXISTS
    }

    private final Kind kind;
    private final String eventType;

    public EventTypeException(Kind kind, String eventType) {
        super(message(kind, eventType), null, false, false);
        this.kind = kind;
        this.eventType = eventType;
    }

    private static String message(Kind kind, String eventType) {
        return switch (kind) {
            case UNKNOWN -> "event type '" + eventType + "' is not in the catalogue; create it first (POST /api/event-types)";
            case ARCHIVED -> "event type '" + eventType + "' is archived; it can no longer be sent or subscribed to";
            case EXISTS -> "event type '" + eventType + "' already exists";
        };
    }

    public Kind kind() {
        return kind;
    }

    public String eventType() {
        return eventType;
    }
}
