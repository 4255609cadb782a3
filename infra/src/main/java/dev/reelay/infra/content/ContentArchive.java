package dev.reelay.infra.content;

import org.springframework.stereotype.Component;
import org.springframework.util.FileSystemUtils;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Reelay's own copy of finished content: {@code <content-store>/archive/<videoId>/<variant>} plus a {@code .type}
 * file with its media type. A filesystem today; the same four operations map onto an S3-compatible store.
 */
@Component
public class ContentArchive {

    private final Path root;
    private final ProviderContentDownloader downloader;

    ContentArchive(ContentStoreProperties store, ProviderContentDownloader downloader) {
        this.root = store.root().toAbsolutePath().resolve("archive");
        this.downloader = downloader;
    }

    /** What was archived: where, how big, and the sha256 verified by reading the stored file back. */
    public record Archived(String location, long bytes, String sha256, String mediaType) {
    }

    public Optional<Archived> find(String videoId, String variant) throws IOException {
        Path file = file(videoId, variant);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Path type = typeFile(videoId, variant);
        String mediaType = Files.exists(type) ? Files.readString(type, StandardCharsets.UTF_8).trim() : "application/octet-stream";
        return Optional.of(new Archived(file.toString(), Files.size(file), null, mediaType));
    }

    /** Copies one variant from the provider; empty if the provider does not have it. */
    public Optional<Archived> copy(String videoId, String variant, String providerId, String externalTaskId,
                                   String contentLocation) throws IOException {
        Path file = file(videoId, variant);
        Optional<String> mediaType = downloader.download(providerId, externalTaskId, contentLocation, variant, file);
        if (mediaType.isEmpty()) {
            return Optional.empty();
        }
        Files.writeString(typeFile(videoId, variant), mediaType.get(), StandardCharsets.UTF_8);
        return Optional.of(new Archived(file.toString(), Files.size(file), sha256(file), mediaType.get()));
    }

    public void delete(String videoId) throws IOException {
        FileSystemUtils.deleteRecursively(root.resolve(safe(videoId)));
    }

    private Path file(String videoId, String variant) {
        return root.resolve(safe(videoId)).resolve(variant.toLowerCase(Locale.ROOT));
    }

    private Path typeFile(String videoId, String variant) {
        return root.resolve(safe(videoId)).resolve(variant.toLowerCase(Locale.ROOT) + ".type");
    }

    private static String safe(String videoId) {
        if (!videoId.matches("video_[0-9a-f-]{36}")) {
            throw new IllegalArgumentException("not a video id");
        }
        return videoId;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
