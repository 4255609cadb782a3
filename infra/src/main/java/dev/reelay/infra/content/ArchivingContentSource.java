package dev.reelay.infra.content;

import dev.reelay.infra.provider.ProviderContentDownloader;
import dev.reelay.query.content.ContentSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.io.FileSystemResource;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Serves content from Reelay's archive ({@code <content-store>/archive/<videoId>/<variant>}); on a miss it copies the
 * variant from the provider first, so the bytes outlive the provider's short-lived links.
 */
@Component
class ArchivingContentSource implements ContentSource {

    private final Path archive;
    private final ProviderContentDownloader downloader;

    ArchivingContentSource(@Value("${reelay.content-store.root}") Path root, ProviderContentDownloader downloader) {
        this.archive = root.toAbsolutePath().resolve("archive");
        this.downloader = downloader;
    }

    @Override
    public Optional<Content> open(String videoId, String providerId, String externalTaskId, String contentLocation,
                                  Variant variant) {
        Path dir = archive.resolve(videoId);
        Path file = dir.resolve(variant.name().toLowerCase(Locale.ROOT));
        Path type = dir.resolve(variant.name().toLowerCase(Locale.ROOT) + ".type");
        try {
            if (!Files.exists(file)) {
                if (providerId == null) {
                    return Optional.empty();
                }
                Optional<String> mediaType = downloader.download(providerId, externalTaskId, contentLocation,
                        variant.name(), file);
                if (mediaType.isEmpty()) {
                    return Optional.empty();
                }
                Files.writeString(type, mediaType.get(), StandardCharsets.UTF_8);
            }
            String mediaType = Files.exists(type) ? Files.readString(type, StandardCharsets.UTF_8).trim() : "application/octet-stream";
            return Optional.of(new Content(new FileSystemResource(file), mediaType));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read archived content of " + videoId, e);
        }
    }
}
