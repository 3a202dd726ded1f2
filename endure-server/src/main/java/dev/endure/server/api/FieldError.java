package dev.endure.server.api;

/** One problem with one field of a request: where ({@code field}, a JSON path) and what is wrong. */
public record FieldError(String field, String message) {}
