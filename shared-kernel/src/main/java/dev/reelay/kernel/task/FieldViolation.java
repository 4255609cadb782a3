package dev.reelay.kernel.task;

/** One rejected field of a request: which field, what rule, and a message a person can act on. */
public record FieldViolation(String field, String code, String message) {
}
