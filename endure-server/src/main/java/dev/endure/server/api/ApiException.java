package dev.endure.server.api;

import java.util.List;

/**
 * A request the API refuses, with the HTTP status it answers and, for validation failures, every
 * field error at once (a client fixes all of them in one round trip, not one per request).
 */
public final class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final transient List<FieldError> fieldErrors;

    public ApiException(int status, String code, String message, List<FieldError> fieldErrors) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.fieldErrors = List.copyOf(fieldErrors);
    }

    public static ApiException invalid(List<FieldError> errors) {
        return new ApiException(400, "invalid_request", errors.size() == 1
                ? "1 field is invalid: " + errors.get(0).field() + ": " + errors.get(0).message()
                : errors.size() + " fields are invalid", errors);
    }

    public static ApiException invalid(String field, String message) {
        return invalid(List.of(new FieldError(field, message)));
    }

    public static ApiException notFound(String what, String id) {
        return new ApiException(404, "not_found", what + " " + id + " does not exist", List.of());
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, "conflict", message, List.of());
    }

    public static ApiException tooLarge(long size, long limit) {
        return new ApiException(413, "payload_too_large",
                "request body of " + size + " bytes is over the limit of " + limit + " bytes (delivery.maxPayloadBytes)", List.of());
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<FieldError> fieldErrors() {
        return fieldErrors;
    }
}
