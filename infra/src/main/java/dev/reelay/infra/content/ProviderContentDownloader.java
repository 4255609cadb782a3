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
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
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

    /** The downloaded file's media type, or empty if the provider does not have this variant (any more). */
    Optional<String> download(String providerId, String externalTaskId, String contentLocation, String variant,
                                     Path target) throws IOException {
        Optional<ProviderProperties.Provider> provider = providers.config(providerId);
        if (provider.isEmpty()) {
            return Optional.empty();
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
                return Optional.empty();
            }
            url = contentLocation;
            template = "/{content-location}";
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        URI baseUri = URI.create(base);
        boolean sameHost = uri.getHost() != null && uri.getHost().equalsIgnoreCase(baseUri.getHost());
        // OpenAI-format content and Gemini's generated files are read with the key; the key only ever goes to the
        // provider's own host, and any other URL taken from a response passes the SSRF guard
        if (!sameHost && format == ProviderProperties.Format.OPENAI_VIDEOS || !sameHost && guard.refusal(url).isPresent()) {
            return Optional.empty();
        }
        boolean bearer = sameHost && format == ProviderProperties.Format.OPENAI_VIDEOS;
        boolean googKey = sameHost && uri.getPort() == baseUri.getPort() && format == ProviderProperties.Format.GEMINI_VEO;
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".part");
        String key = providers.keyOf(provider.get());
        AtomicLong size = new AtomicLong();
        try {
            gate.admitBlocking(providerId, provider.get().maxRequestsPerMinute());
            String[] mediaType = new String[1];
            Integer status = client.get().uri(uri)
                    .attribute(URI_TEMPLATE, template)
                    .attribute(ProviderCallObservations.PROVIDER, providerId)
                    .headers(h -> {
                        if (bearer) {
                            h.setBearerAuth(key);
                        }
                        if (googKey) {
                            h.set("x-goog-api-key", key);
                        }
                    })
                    .exchangeToMono(response -> {
                        if (!response.statusCode().is2xxSuccessful()) {
                            int refused = response.statusCode().value();
                            return response.releaseBody()
                                    .then(Mono.fromRunnable(() -> gate.holdIfAsked(providerId, refused,
                                            response.headers().asHttpHeaders(), clock)).subscribeOn(Schedulers.boundedElastic()))
                                    .thenReturn(refused);
                        }
                        mediaType[0] = response.headers().asHttpHeaders().getFirst(HttpHeaders.CONTENT_TYPE);
                        Flux<DataBuffer> body = response.bodyToFlux(DataBuffer.class).doOnNext(buffer -> {
                            if (size.addAndGet(buffer.readableByteCount()) > maxBytes) {
                                throw new IllegalStateException("content larger than " + maxBytes + " bytes");
                            }
                        });
                        return DataBufferUtils.write(body, temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)
                                .thenReturn(response.statusCode().value());
                    })
                    .block(timeout);
            if (status == null || status != 200 || size.get() == 0) {
                return Optional.empty();
            }
            Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return Optional.of(mediaType[0] == null ? "application/octet-stream" : mediaType[0]);
        } catch (RuntimeException e) {
            return Optional.empty();
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
