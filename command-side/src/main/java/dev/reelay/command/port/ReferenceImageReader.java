package dev.reelay.command.port;

import java.util.Optional;

/** Reads reference-image bytes back by the sha256 that {@link ReferenceImageStore#store} returned. */
public interface ReferenceImageReader {

    /**
     * The stored bytes, or empty if the store does not hold them (any more).
     *
     * @throws java.io.UncheckedIOException if the store holds them but cannot be read now
     */
    Optional<byte[]> read(String sha256);
}
