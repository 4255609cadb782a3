package dev.reelay.infra.content;

import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * Reelay's own copy of finished content, in the {@link ContentStore} under {@code archive/<videoId>/<variant>}: on
 * the file system by default, in an S3-compatible bucket when several nodes must serve it.
 */
@Component
public class ContentArchive {

    private final ContentStore store;
    private final ProviderContentDownloader downloader;

    ContentArchive(ContentStore store, ProviderContentDownloader downloader) {
        this.store = store;
        this.downloader = downloader;
    }

    /** What was archived: where, how big, and the sha256 verified by reading the stored object back. */
    public record Archived(String location, long bytes, String sha256, String mediaType) {
    }

    public Optional<Archived> find(String videoId, String variant) throws IOException {
        String key = key(videoId, variant);
        return store.stat(key).map(stat -> new Archived(store.location(key), stat.bytes(), null, stat.mediaType()));
    }

    /** The bytes of what {@link #find} or {@link #copy} returned, to serve. */
    public Resource resource(String videoId, String variant, Archived archived) {
        return store.resource(key(videoId, variant), new ContentStore.Stat(archived.bytes(), archived.mediaType()));
    }

    /**
     * Copies one variant from the provider; empty if the provider does not have it. The bytes are staged locally,
     * stored, then read back from the store: an object whose sha256 differs from what was downloaded is an error
     * (the archive job tries again), so the sha256 recorded in the events is that of bytes the store really holds.
     */
    public Optional<Archived> copy(String videoId, String variant, String providerId, String externalTaskId,
                                   String contentLocation) throws IOException {
        String key = key(videoId, variant);
        Path staged = store.staging().resolve(safe(videoId) + "-" + variant.toLowerCase(Locale.ROOT) + "-" + UUID.randomUUID());
        try {
            Optional<String> mediaType = downloader.download(providerId, externalTaskId, contentLocation, variant, staged);
            if (mediaType.isEmpty()) {
                return Optional.empty();
            }
            long bytes = Files.size(staged);
            String downloaded;
            try (InputStream in = Files.newInputStream(staged)) {
                downloaded = sha256(in);
            }
            store.put(key, staged, mediaType.get());
            String readBack;
            try (InputStream in = store.open(key)) {
                readBack = sha256(in);
            }
            if (!readBack.equals(downloaded)) {
                throw new IOException("read-back of " + store.location(key) + " has sha256 " + readBack
                        + ", the download had " + downloaded);
            }
            return Optional.of(new Archived(store.location(key), bytes, readBack, mediaType.get()));
        } finally {
            Files.deleteIfExists(staged);
        }
    }

    public void delete(String videoId) throws IOException {
        store.deleteAll("archive/" + safe(videoId) + "/");
    }

    private static String key(String videoId, String variant) {
        return "archive/" + safe(videoId) + "/" + variant.toLowerCase(Locale.ROOT);
    }

    private static String safe(String videoId) {
        if (!videoId.matches("video_[0-9a-f-]{36}")) {
            throw new IllegalArgumentException("not a video id");
        }
        return videoId;
    }

    static String sha256(InputStream stream) throws IOException {
        try (DigestInputStream in = new DigestInputStream(stream, MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
