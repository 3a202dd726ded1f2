package dev.endure.delivery;

/**
 * A {@link DeliveryPolicy} or an endpoint's {@link EndpointPolicy} that the worker could not run,
 * naming the field at fault in the shared vocabulary ({@code cap}, {@code maxAttempts},
 * {@code lease}, ...), so the REST API and the server configuration can point at their own key path
 * ({@code policy.cap}) without parsing the message.
 */
public final class InvalidPolicyException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String field;
    private final String reason;

    public InvalidPolicyException(String field, String reason) {
        super(field + " " + reason);
        this.field = field;
        this.reason = reason;
    }

    /** The field at fault, e.g. {@code cap}. */
    public String field() {
        return field;
    }

    /** The rule broken, without the field name, e.g. {@code must not be below initial (2m) (was 1m)}. */
    public String reason() {
        return reason;
    }
}
