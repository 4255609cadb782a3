package dev.reelay.infra.content;

import org.springframework.core.io.Resource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where Reelay keeps bytes by key ({@code sha256/ab/cd/<hash>} for reference images, {@code archive/<videoId>/<variant>}
 * for archived content): a directory for a single node ({@link FileSystemContentStore}, the default) or an
 * S3-compatible bucket that every node shares ({@link S3ContentStore}). An object appears whole or not at all.
 */
interface ContentStore {

    /** What a stored object is: its size and media type. */
    record Stat(long bytes, String mediaType) {
    }

    /** A local directory for files on their way into the store; {@link #put} moves them in from there. */
    Path staging() throws IOException;

    /** Stores the file's bytes under the key (replacing what was there) and removes the file. */
    void put(String key, Path file, String mediaType) throws IOException;

    /** The object's size and media type, or empty if there is no object under the key. */
    Optional<Stat> stat(String key) throws IOException;

    /** The object's bytes from the start; the caller closes it. */
    InputStream open(String key) throws IOException;

    /** A readable resource for an object that {@link #stat} found, for HTTP responses (Range requests included). */
    Resource resource(String key, Stat stat);

    /** Deletes every object whose key starts with the prefix. */
    void deleteAll(String prefix) throws IOException;

    /** Where the object lives, for the audit trail: a file path or an {@code s3://bucket/key} URI. */
    String location(String key);
}
