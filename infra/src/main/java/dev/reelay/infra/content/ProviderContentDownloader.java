package dev.reelay.infra.content;

import dev.reelay.infra.provider.HttpUpstreamProviders;
import dev.reelay.infra.provider.OutboundUrlGuard;
import dev.reelay.infra.provider.ProviderCallObservations;
import dev.reelay.infra.provider.ProviderGate;
import dev.reelay.infra.provider.ProviderProperties;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Downloads a finished job's bytes from its provider into a file: only from the provider's own host, with the
 * provider's key, bounded in size and time, streamed to disk (never held whole in memory), and only when the
 * provider's shared gate admits the call (ADR 0012).
 */
@Component
class ProviderContentDownloader {

    /** The request attribute WebClient's observations read the {@code uri} tag from. */
    private static final String URI_TEMPLATE = WebClient.class.getName() + ".uriTemplate";

    private final HttpUpstreamProviders providers;
    private final OutboundUrlGuard guard;
    private final WebClient client;
    private final long maxBytes;
    private final Duration timeout;
    private final ProviderGate gate;
    private final Clock clock;

    ProviderContentDownloader(HttpUpstreamProviders providers, OutboundUrlGuard guard, WebClient.Builder builder,
                              ContentProperties properties, ProviderGate gate, Clock clock) {
        this.providers = providers;
        this.guard = guard;
        this.gate = gate;
        this.clock = clock;
        this.maxBytes = properties.maxDownloadSize().toBytes();
        this.timeout = properties.downloadTimeout();
        this.client = builder.clone().clientConnector(new ReactorClientHttpConnector(
                HttpClient.create().followRedirect(false).responseTimeout(Duration.ofSeconds(30)))).build();
    }

    /**
     * A download that may work later: the provider asked to wait (429, 503, or its window is longer than Reelay waits),
     * failed (5xx, 408), was unreachable, or did not deliver within {@code download-timeout}. The archive job tries
     * again rather than leaving the variant out. The message names the variant and the reason, never the URL's key.
     */
    static final class DownloadDeferred extends RuntimeException {
        DownloadDeferred(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Content over {@code max-download-size}: no attempt will fetch it whole, so it counts as not available. */
    private static final class TooLarge extends RuntimeException {
        TooLarge(long maxBytes) {
            super("content larger than " + maxBytes + " bytes", null, false, false);
        }
    }

    /**
     * Downloads one variant into {@code target}, without holding a thread while the bytes travel (the gate's wait,
     * the request and the streaming to disk are all asynchronous): completes with the file's media type; empty if the
     * provider does not have this variant (any other 4xx, an empty body, a URL Reelay will not call, content over the
     * size bound); fails with {@link DownloadDeferred} if it may have it later. Nothing happens until the result is
     * subscribed to.
     */
    Mono<String> download(String providerId, String externalTaskId, String contentLocation, String variant,
                          Path target) {
        return Mono.defer(() -> {
            Optional<ProviderProperties.Provider> provider = providers.config(providerId);
            if (provider.isEmpty()) {
                return Mono.empty();
            }
            String base = providers.baseUrlOf(provider.get());
            String url;
            ProviderProperties.Format format = provider.get().format();
            String template; // the metrics label: the route, never the job id (a URL from a response has no route)
            if (format == ProviderProperties.Format.OPENAI_VIDEOS) {
                url = base + "/videos/" + externalTaskId + "/content?variant=" + variant.toLowerCase(Locale.ROOT);
                template = base + "/videos/{id}/content";
            } else {
                if (!variant.equalsIgnoreCase("video") || contentLocation == null) {
                    return Mono.empty();
                }
                url = contentLocation;
                template = "/{content-location}";
            }
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                return Mono.empty();
            }
            URI baseUri = URI.create(base);
            boolean sameHost = uri.getHost() != null && uri.getHost().equalsIgnoreCase(baseUri.getHost());
            // OpenAI-format content and Gemini's generated files are read with the key; the key only ever goes to
            // the provider's own host, and any other URL taken from a response passes the SSRF guard
            if (!sameHost && format == ProviderProperties.Format.OPENAI_VIDEOS || !sameHost && guard.refusal(url).isPresent()) {
                return Mono.empty();
            }
            boolean bearer = sameHost && format == ProviderProperties.Format.OPENAI_VIDEOS;
            boolean googKey = sameHost && uri.getPort() == baseUri.getPort() && format == ProviderProperties.Format.GEMINI_VEO;
            Path temp;
            try {
                Files.createDirectories(target.getParent());
                temp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
            } catch (IOException e) {
                return Mono.error(new UncheckedIOException(e)); // the local disk, not the provider: the job retries
            }
            String key = providers.keyOf(provider.get());
            return gate.admit(providerId, provider.get().maxRequestsPerMinute())
                    .then(fetch(providerId, variant, uri, template, bearer ? key : null, googKey ? key : null, temp))
                    .flatMap(mediaType -> Mono.fromCallable(() -> {
                        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                        return mediaType;
                    }))
                    .onErrorResume(TooLarge.class, e -> Mono.empty())
                    .onErrorMap(e -> !(e instanceof DownloadDeferred), e -> new DownloadDeferred(variant.toLowerCase(Locale.ROOT)
                            + ": " + (e instanceof TimeoutException ? "no answer within " + timeout
                            : e.getClass().getSimpleName()), e))
                    .doFinally(signal -> deleteQuietly(temp));
        });
    }

    /**
     * The body of a 200 streamed into {@code temp}, completing with its media type; a 408, 429 or 5xx fails with
     * {@link DownloadDeferred} (after opening the provider's window if it asked for one); any other answer is empty.
     */
    private Mono<String> fetch(String providerId, String variant, URI uri, String template, String bearerKey, String googKey,
                               Path temp) {
        AtomicLong size = new AtomicLong();
        return client.get().uri(uri)
                .attribute(URI_TEMPLATE, template)
                .attribute(ProviderCallObservations.PROVIDER, providerId)
                .headers(h -> {
                    if (bearerKey != null) {
                        h.setBearerAuth(bearerKey);
                    }
                    if (googKey != null) {
                        h.set("x-goog-api-key", googKey);
                    }
                })
                .exchangeToMono(response -> {
                    if (response.statusCode().value() != 200) {
                        int refused = response.statusCode().value();
                        return response.releaseBody()
                                .then(gate.holdIfAsked(providerId, refused, response.headers().asHttpHeaders(), clock))
                                .then(refused == 408 || refused == 429 || refused >= 500
                                        ? Mono.<String>error(new DownloadDeferred(variant.toLowerCase(Locale.ROOT)
                                                + ": HTTP " + refused, null))
                                        : Mono.<String>empty());
                    }
                    String mediaType = response.headers().asHttpHeaders().getFirst(HttpHeaders.CONTENT_TYPE);
                    Flux<DataBuffer> body = response.bodyToFlux(DataBuffer.class).doOnNext(buffer -> {
                        if (size.addAndGet(buffer.readableByteCount()) > maxBytes) {
                            throw new TooLarge(maxBytes);
                        }
                    });
                    return DataBufferUtils.write(body, temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)
                            .then(Mono.fromSupplier(() -> size.get() == 0 ? null
                                    : mediaType == null ? "application/octet-stream" : mediaType));
                })
                .timeout(timeout);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a leftover .part file in the staging directory; the next copy of this variant uses another name
        }
    }
}
