package dev.reelay.infra.content;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import reactor.core.publisher.Mono;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

/**
 * Provider job {@code job-1} of {@code sandbox} as the archive tests download it: each variant it has is written where
 * the downloader is asked to put it, as the real downloader does; a variant it lacks is missing (empty). Like
 * the real one, nothing is written before the result is subscribed to.
 */
final class FakeDownloads {

    private FakeDownloads() {
    }

    static ProviderContentDownloader having(Map<String, byte[]> bytesByVariant, String mediaType) {
        ProviderContentDownloader downloader = mock(ProviderContentDownloader.class);
        when(downloader.download(eq("sandbox"), eq("job-1"), any(), any(), any())).thenAnswer(call -> Mono.fromCallable(() -> {
            byte[] bytes = bytesByVariant.get(call.getArgument(3, String.class));
            if (bytes == null) {
                return null;
            }
            Files.write(call.getArgument(4, Path.class), bytes);
            return mediaType;
        }));
        return downloader;
    }
}
