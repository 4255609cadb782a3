package dev.reelay.kernel.task;

/** A reference image by content: its sha256, detected content type and size; the bytes live in the content store. */
public record ReferenceImage(String sha256, String contentType, long sizeBytes) {
}
