package dev.endure.server.api;

/**
 * One problem with one field of a request: where ({@code field}, a JSON path), what is wrong, and for a value
 * checked against a schema (a payload), the JSON pointer inside it that fails (else null).
 */
public record FieldError(String field, String message, String pointer) {

    public FieldError(String field, String message) {
        this(field, message, null);
    }
}
