package dev.reelay.infra.content;

import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
     * Copies one variant from the provider, for a read that finds no archived copy: empty if the provider does not
     * have it or cannot give it now (a read does not wait for a retry). See {@link #copy(String, List, String, String,
     * String, boolean)}.
     */
    public Optional<Archived> copy(String videoId, String variant, String providerId, String externalTaskId,
                                   String contentLocation) throws IOException {
        return Optional.ofNullable(copy(videoId, List.of(variant), providerId, externalTaskId, contentLocation, true)
                .get(variant));
    }

    /**
     * Copies these variants from the provider, by variant in the order given; a variant the provider does not have
     * is left out. A variant it may have later (429, 5xx, timeout: {@link ProviderContentDownloader.DownloadDeferred})
     * fails the copy, or with {@code leaveOutDeferred} is left out too. The downloads run one after the other, each
     * to its end (a refusal does not cut the next one short). Each is staged locally, stored, then read back from the
     * store: an object whose sha256 differs from what was downloaded is an error (the archive job tries again), so the
     * sha256 recorded in the events is that of bytes the store really holds.
     */
    public Map<String, Archived> copy(String videoId, List<String> variants, String providerId, String externalTaskId,
                                      String contentLocation, boolean leaveOutDeferred) throws IOException {
        Map<String, Path> staged = new LinkedHashMap<>();
        for (String variant : variants) {
            staged.put(variant, store.staging().resolve(safe(videoId) + "-" + variant.toLowerCase(Locale.ROOT) + "-" + UUID.randomUUID()));
        }
        try {
            // one after the other: downloading the three at once finished archive jobs sooner but cost more per task
            // at a fixed offered load (docs/benchmarks.md, section 2, 2026-12-06 seventh session); every download
            // runs to its end, so the attempt learns about every variant
            List<Fetched> fetched = Flux.fromIterable(variants)
                    .concatMap(variant -> downloader.download(providerId, externalTaskId, contentLocation,
                                    variant, staged.get(variant))
                            .map(mediaType -> new Fetched(mediaType, null))
                            .defaultIfEmpty(new Fetched(null, null))
                            .onErrorResume(ProviderContentDownloader.DownloadDeferred.class, e -> Mono.just(new Fetched(null, e))))
                    .collectList()
                    .block();
            List<String> deferred = fetched.stream().filter(f -> f.deferred() != null).map(f -> f.deferred().getMessage()).toList();
            if (!deferred.isEmpty() && !leaveOutDeferred) {
                throw new ProviderContentDownloader.DownloadDeferred(String.join("; ", deferred), null);
            }
            Map<String, Archived> copies = new LinkedHashMap<>();
            for (int i = 0; i < variants.size(); i++) {
                String variant = variants.get(i);
                if (fetched.get(i).mediaType() != null) {
                    copies.put(variant, store(key(videoId, variant), staged.get(variant), fetched.get(i).mediaType()));
                }
            }
            return copies;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            for (Path file : staged.values()) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** One variant's download: its media type, or why it may arrive later, or neither (the provider lacks it). */
    private record Fetched(String mediaType, RuntimeException deferred) {
    }

    private Archived store(String key, Path staged, String mediaType) throws IOException {
        long bytes = Files.size(staged);
        String downloaded;
        try (InputStream in = Files.newInputStream(staged)) {
            downloaded = sha256(in);
        }
        store.put(key, staged, mediaType);
        String readBack;
        try (InputStream in = store.open(key)) {
            readBack = sha256(in);
        }
        if (!readBack.equals(downloaded)) {
            throw new IOException("read-back of " + store.location(key) + " has sha256 " + readBack
                    + ", the download had " + downloaded);
        }
        return new Archived(store.location(key), bytes, readBack, mediaType);
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
