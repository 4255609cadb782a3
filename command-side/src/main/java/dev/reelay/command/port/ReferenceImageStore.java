package dev.reelay.command.port;

/** Keeps reference-image bytes by content (sha256), so events only carry the hash. */
public interface ReferenceImageStore {

    /** Stores the bytes (idempotently) and returns their lowercase hex sha256. */
    String store(byte[] bytes, String contentType);
}
