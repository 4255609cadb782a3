package dev.reelay.infra.content;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * Provider job {@code job-1} of {@code sandbox} as the archive tests download it: each variant it has is written where
 * the downloader is asked to put it, as the real downloader does; a variant it lacks is missing (empty).
 */
final class FakeDownloads {

    private FakeDownloads() {
    }

    static ProviderContentDownloader having(Map<String, byte[]> bytesByVariant, String mediaType) {
        ProviderContentDownloader downloader = mock(ProviderContentDownloader.class);
        try {
            when(downloader.download(eq("sandbox"), eq("job-1"), any(), any(), any())).thenAnswer(call -> {
                byte[] bytes = bytesByVariant.get(call.getArgument(3, String.class));
                if (bytes == null) {
                    return Optional.empty();
                }
                Files.write(call.getArgument(4, Path.class), bytes);
                return Optional.of(mediaType);
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return downloader;
    }
}
