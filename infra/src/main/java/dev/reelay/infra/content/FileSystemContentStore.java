package dev.reelay.infra.content;

import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.util.FileSystemUtils;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The single-node store: a file per key under {@code reelay.content-store.root}, with its media type in a
 * {@code <key>.type} file beside it. Files arrive through a staging directory on the same file system and are moved
 * into place atomically, so a reader never sees half a file.
 */
final class FileSystemContentStore implements ContentStore {

    private static final String TYPE_SUFFIX = ".type";

    private final Path root;

    FileSystemContentStore(Path root) {
        this.root = root.toAbsolutePath();
    }

    @Override
    public Path staging() throws IOException {
        return Files.createDirectories(root.resolve(".staging"));
    }

    @Override
    public void put(String key, Path file, String mediaType) throws IOException {
        Path target = file(key);
        Files.createDirectories(target.getParent());
        Path type = Files.createTempFile(staging(), "type", ".part");
        Files.writeString(type, mediaType, StandardCharsets.UTF_8);
        moveIntoPlace(type, target.resolveSibling(target.getFileName() + TYPE_SUFFIX));
        moveIntoPlace(file, target);
    }

    @Override
    public Optional<Stat> stat(String key) throws IOException {
        Path file = file(key);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Path type = file.resolveSibling(file.getFileName() + TYPE_SUFFIX);
        String mediaType = Files.exists(type) ? Files.readString(type, StandardCharsets.UTF_8).trim() : "application/octet-stream";
        return Optional.of(new Stat(Files.size(file), mediaType));
    }

    @Override
    public InputStream open(String key) throws IOException {
        return Files.newInputStream(file(key));
    }

    @Override
    public Resource resource(String key, Stat stat) {
        return new FileSystemResource(file(key));
    }

    @Override
    public void deleteAll(String prefix) throws IOException {
        if (!prefix.endsWith("/")) {
            throw new IllegalArgumentException("the file system store deletes whole folders: " + prefix);
        }
        FileSystemUtils.deleteRecursively(file(prefix));
    }

    @Override
    public String location(String key) {
        return file(key).toString();
    }

    private Path file(String key) {
        Path file = root.resolve(key).normalize();
        if (!file.startsWith(root)) {
            throw new IllegalArgumentException("key outside the store: " + key);
        }
        return file;
    }

    private void moveIntoPlace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
