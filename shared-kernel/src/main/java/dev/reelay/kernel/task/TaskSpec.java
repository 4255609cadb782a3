package dev.reelay.kernel.task;

/** What the user asked for, already validated against the configured capabilities. */
public record TaskSpec(String prompt, String model, String size, int seconds, MediaType mediaType,
                       ReferenceImage referenceImage) {
}
