package dev.reelay.infra.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.port.ReferenceImageReader;
import dev.reelay.command.upstream.UpstreamException;
import dev.reelay.command.upstream.UpstreamJob;
import dev.reelay.command.upstream.UpstreamProviders;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;

import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured providers behind the saga's port: routing by model and priority (lower number first), one HTTP
 * client per provider, reference images read back by hash through {@link ReferenceImageReader}.
 */
@Component
public class HttpUpstreamProviders implements UpstreamProviders, ApplicationListener<WebServerInitializedEvent> {

    private static final Logger log = LoggerFactory.getLogger(HttpUpstreamProviders.class);

    private final Map<String, ProviderProperties.Provider> configs = new LinkedHashMap<>();
    private final Map<String, ProviderClient> clients = new LinkedHashMap<>();
    private final JdbcUpstreamBindings bindings;
    private final ReferenceImageReader referenceImages;
    private volatile int localPort = -1;

    HttpUpstreamProviders(ProviderProperties properties, WebClient.Builder webClients, UpstreamCallLog callLog,
                          ObjectMapper objectMapper, JdbcUpstreamBindings bindings, ReferenceImageReader referenceImages,
                          Clock clock, ProviderGate gate) {
        this.bindings = bindings;
        this.referenceImages = referenceImages;
        for (ProviderProperties.Provider provider : properties.providers()) {
            if (configs.putIfAbsent(provider.id(), provider) != null) {
                throw new IllegalStateException("provider id " + provider.id() + " is configured twice");
            }
            HttpExchange http = new HttpExchange(provider, () -> resolve(provider.baseUrl()), webClients, callLog, objectMapper, clock, gate);
            clients.put(provider.id(), switch (provider.format()) {
                case OPENAI_VIDEOS -> new OpenAiVideosClient(http, provider.idempotencyKeys());
                case RELAY_MULTIPART -> new RelayMultipartClient(http);
            });
            log.info("Upstream provider {}", provider);
        }
    }

    @Override
    public void onApplicationEvent(WebServerInitializedEvent event) {
        if (!"management".equals(event.getApplicationContext().getServerNamespace())) {
            localPort = event.getWebServer().getPort();
        }
    }

    /** {@code local:/path} is this node itself (the sandbox), known only once the server has its port. */
    private String resolve(String baseUrl) {
        if (baseUrl.startsWith("local:")) {
            if (localPort <= 0) {
                throw new UpstreamException(UpstreamException.Kind.TRANSIENT, 0, null, "the local server is not up yet", null);
            }
            return "http://127.0.0.1:" + localPort + baseUrl.substring("local:".length());
        }
        return baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    @Override
    public List<ProviderRoute> routesFor(String model) {
        return configs.values().stream()
                .filter(p -> p.models().contains(model))
                .sorted(Comparator.comparingInt(ProviderProperties.Provider::priority))
                .map(HttpUpstreamProviders::routeOf)
                .toList();
    }

    @Override
    public Optional<ProviderRoute> route(String providerId) {
        return Optional.ofNullable(configs.get(providerId)).map(HttpUpstreamProviders::routeOf);
    }

    private static ProviderRoute routeOf(ProviderProperties.Provider p) {
        return new ProviderRoute(p.id(), p.priority(), p.idempotencyKeys(), p.webhooks(), p.pollInitial(), p.pollMin(),
                p.pollMax(), p.webhookSafetyPoll(), p.giveUpAfter(), p.submitBudget());
    }

    @Override
    public Mono<UpstreamJob> create(String providerId, VideoId videoId, TaskSpec spec, int attempt) {
        return Mono.defer(() -> client(providerId).create(videoId, spec, image(spec), attempt));
    }

    @Override
    public Mono<UpstreamJob> remix(String providerId, String sourceExternalId, VideoId videoId, TaskSpec spec, int attempt) {
        return Mono.defer(() -> client(providerId).remix(sourceExternalId, videoId, spec, attempt));
    }

    @Override
    public Mono<UpstreamJob> retrieve(String providerId, String externalTaskId, VideoId videoId) {
        return Mono.defer(() -> client(providerId).retrieve(externalTaskId, videoId));
    }

    @Override
    public Mono<Void> delete(String providerId, String externalTaskId, VideoId videoId) {
        return Mono.defer(() -> client(providerId).delete(externalTaskId, videoId));
    }

    @Override
    public void bind(VideoId videoId, String providerId, String externalTaskId) {
        bindings.bind(videoId, providerId, externalTaskId);
    }

    @Override
    public Optional<Binding> bindingOf(VideoId videoId) {
        return bindings.of(videoId);
    }

    /** Where this provider is reached now ({@code local:} resolved to this node's port). */
    public String baseUrlOf(ProviderProperties.Provider provider) {
        return resolve(provider.baseUrl());
    }

    /** The configuration of one provider, if it is configured. */
    public Optional<ProviderProperties.Provider> config(String providerId) {
        return Optional.ofNullable(configs.get(providerId));
    }

    private ProviderClient client(String providerId) {
        ProviderClient client = clients.get(providerId);
        if (client == null) {
            throw new UpstreamException(UpstreamException.Kind.CONFIGURATION, 0, null,
                    "provider " + providerId + " is not configured", null);
        }
        return client;
    }

    private byte[] image(TaskSpec spec) {
        if (spec.referenceImage() == null) {
            return null;
        }
        try {
            return referenceImages.read(spec.referenceImage().sha256()).orElseThrow(() ->
                    new UpstreamException(UpstreamException.Kind.UNKNOWN, 0, "reference_missing",
                            "the reference image is no longer in the content store", null));
        } catch (UncheckedIOException e) {
            throw new UpstreamException(UpstreamException.Kind.TRANSIENT, 0, null, "cannot read the reference image", null);
        }
    }
}
