package dev.reelay.infra.content;

import dev.reelay.query.content.ContentSource;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;

/**
 * Serves content from Reelay's archive; if the copy-on-complete job has not run yet (or gave up), it copies the
 * variant from the provider on first read, so the bytes outlive the provider's short-lived links either way.
 */
@Component
class ArchivingContentSource implements ContentSource {

    private final ContentArchive archive;

    ArchivingContentSource(ContentArchive archive) {
        this.archive = archive;
    }

    @Override
    public Optional<Content> open(String videoId, String providerId, String externalTaskId, String contentLocation,
                                  Variant variant) {
        String name = variant.name().toLowerCase(Locale.ROOT);
        try {
            Optional<ContentArchive.Archived> found = archive.find(videoId, name);
            if (found.isEmpty() && providerId != null) {
                found = archive.copy(videoId, name, providerId, externalTaskId, contentLocation);
            }
            return found.map(a -> new Content(archive.resource(videoId, name, a), a.mediaType()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read archived content of " + videoId, e);
        }
    }
}
