package dev.reelay.infra.content;

import dev.reelay.command.port.ReferenceImageReader;
import dev.reelay.command.port.ReferenceImageStore;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Content-addressed files under {@code reelay.content-store.root}: {@code sha256/ab/cd/<hash>}. Writing the same
 * bytes twice is harmless; a file appears whole or not at all (temp file, then atomic move).
 */
@Component
class FileSystemContentStore implements ReferenceImageStore, ReferenceImageReader {

    private final Path root;

    FileSystemContentStore(ContentStoreProperties store) {
        this.root = store.root().toAbsolutePath();
    }

    @Override
    public String store(byte[] bytes, String contentType) {
        String hash = sha256(bytes);
        Path target = pathOf(hash);
        if (Files.exists(target)) {
            return hash;
        }
        try {
            Files.createDirectories(target.getParent());
            Path temp = Files.createTempFile(target.getParent(), hash, ".part");
            Files.write(temp, bytes);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
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
        Path path = pathOf(sha256);
        if (!Files.exists(path)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readAllBytes(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read content " + sha256, e);
        }
    }

    private Path pathOf(String hash) {
        return root.resolve("sha256").resolve(hash.substring(0, 2)).resolve(hash.substring(2, 4)).resolve(hash);
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
