package dev.reelay.infra.content;

import dev.reelay.command.port.ReferenceImageReader;
import dev.reelay.command.port.ReferenceImageStore;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Reference images by content in the {@link ContentStore}: {@code sha256/ab/cd/<hash>}. Storing the same bytes twice
 * is harmless; bytes read back are checked against their hash, so a damaged object is never sent to a provider.
 */
@Component
class ReferenceImages implements ReferenceImageStore, ReferenceImageReader {

    private final ContentStore store;

    ReferenceImages(ContentStore store) {
        this.store = store;
    }

    @Override
    public String store(byte[] bytes, String contentType) {
        String hash = sha256(bytes);
        String key = keyOf(hash);
        try {
            if (store.stat(key).isPresent()) {
                return hash;
            }
            Path staged = Files.createTempFile(store.staging(), hash, ".part");
            try {
                Files.write(staged, bytes);
                store.put(key, staged, contentType);
            } finally {
                Files.deleteIfExists(staged);
            }
            return hash;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store content " + hash, e);
        }
    }

    @Override
    public Optional<byte[]> read(String sha256) {
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            return Optional.empty();
        }
        String key = keyOf(sha256);
        try {
            if (store.stat(key).isEmpty()) {
                return Optional.empty();
            }
            byte[] bytes;
            try (InputStream in = store.open(key)) {
                bytes = in.readAllBytes();
            }
            if (!sha256(bytes).equals(sha256)) {
                throw new IOException("stored bytes of " + store.location(key) + " do not match their sha256");
            }
            return Optional.of(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read content " + sha256, e);
        }
    }

    private static String keyOf(String hash) {
        return "sha256/" + hash.substring(0, 2) + "/" + hash.substring(2, 4) + "/" + hash;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
