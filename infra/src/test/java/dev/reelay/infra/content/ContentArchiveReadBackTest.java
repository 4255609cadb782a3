package dev.reelay.infra.content;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An archived copy counts only once the store gives back the very bytes that were downloaded: the sha256 recorded
 * is that of the read-back, and a store that returns something else fails the copy (the archive job retries).
 * Any store: here the file system one, and a store that damages what it returns.
 */
class ContentArchiveReadBackTest {

    private static final String VIDEO_ID = "video_0123abcd-0123-4567-89ab-0123456789ab";
    private static final byte[] MP4 = "not really an mp4, but bytes all the same".getBytes();

    @TempDir
    Path root;

    @Test
    void aCopyIsRecordedWithTheSha256OfWhatTheStoreGivesBack() throws Exception {
        ContentArchive archive = new ContentArchive(new FileSystemContentStore(root),
                FakeDownloads.having(Map.of("video", MP4), "video/mp4"));

        ContentArchive.Archived archived = archive.copy(VIDEO_ID, "video", "sandbox", "job-1", null).orElseThrow();

        assertThat(archived.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(MP4)));
        assertThat(archived.bytes()).isEqualTo(MP4.length);
        assertThat(archived.mediaType()).isEqualTo("video/mp4");
        assertThat(Files.readAllBytes(Path.of(archived.location()))).isEqualTo(MP4);
        assertThat(archive.find(VIDEO_ID, "video")).hasValueSatisfying(found -> assertThat(found.bytes()).isEqualTo(MP4.length));
        try (var staged = Files.list(root.resolve(".staging"))) {
            assertThat(staged).as("no staging file left behind").isEmpty();
        }
    }

    @Test
    void aStoreThatGivesBackOtherBytesFailsTheCopy() {
        ContentStore damaging = new DamagingStore(new FileSystemContentStore(root));
        ContentArchive archive = new ContentArchive(damaging, FakeDownloads.having(Map.of("video", MP4), "video/mp4"));

        assertThatThrownBy(() -> archive.copy(VIDEO_ID, "video", "sandbox", "job-1", null))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("read-back of")
                .hasMessageContaining("archive/" + VIDEO_ID + "/video");
    }

    @Test
    void aVariantTheProviderDoesNotHaveIsNotArchived() throws Exception {
        ContentArchive archive = new ContentArchive(new FileSystemContentStore(root),
                FakeDownloads.having(Map.of(), "video/mp4"));

        assertThat(archive.copy(VIDEO_ID, "thumbnail", "sandbox", "job-1", null)).isEmpty();
        assertThat(archive.find(VIDEO_ID, "thumbnail")).isEmpty();
    }

    /** Stores faithfully, reads back with one byte flipped: bit rot, a broken proxy, a wrong object. */
    private record DamagingStore(ContentStore delegate) implements ContentStore {

        @Override
        public Path staging() throws IOException {
            return delegate.staging();
        }

        @Override
        public void put(String key, Path file, String mediaType) throws IOException {
            delegate.put(key, file, mediaType);
        }

        @Override
        public Optional<Stat> stat(String key) throws IOException {
            return delegate.stat(key);
        }

        @Override
        public InputStream open(String key) throws IOException {
            byte[] bytes;
            try (InputStream in = delegate.open(key)) {
                bytes = in.readAllBytes();
            }
            bytes[0] ^= 1;
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public org.springframework.core.io.Resource resource(String key, Stat stat) {
            return delegate.resource(key, stat);
        }

        @Override
        public void deleteAll(String prefix) throws IOException {
            delegate.deleteAll(prefix);
        }

        @Override
        public String location(String key) {
            return delegate.location(key);
        }
    }
}
