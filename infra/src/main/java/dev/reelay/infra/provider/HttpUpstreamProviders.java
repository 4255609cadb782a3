package dev.reelay.infra.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.port.ReferenceImageReader;
import dev.reelay.command.upstream.UpstreamException;
import dev.reelay.infra.secrets.ApiKeys;
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
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The configured providers behind the saga's port: routing by model, offer, priority (lower number first), price and
 * health, one HTTP client per provider, reference images read back by hash through {@link ReferenceImageReader}.
 */
@Component
public class HttpUpstreamProviders implements UpstreamProviders, ApplicationListener<WebServerInitializedEvent> {

    private static final Logger log = LoggerFactory.getLogger(HttpUpstreamProviders.class);

    private final Map<String, ProviderProperties.Provider> configs = new LinkedHashMap<>();
    private final Map<String, ProviderClient> clients = new LinkedHashMap<>();
    private final Map<String, ApiKeys.Ref> keys = new LinkedHashMap<>();
    private final JdbcUpstreamBindings bindings;
    private final ReferenceImageReader referenceImages;
    private final ProviderCatalog catalog;
    private final ProviderHealth health;
    private final UpstreamCallLog callLog;
    private final Clock clock;
    private final ObjectMapper json;
    private volatile int localPort = -1;

    HttpUpstreamProviders(ProviderProperties properties, WebClient.Builder webClients, UpstreamCallLog callLog,
                          ObjectMapper objectMapper, JdbcUpstreamBindings bindings, ReferenceImageReader referenceImages,
                          Clock clock, ProviderCatalog catalog, ProviderHealth health, ApiKeys apiKeys,
                          ProviderGate gate) {
        this.bindings = bindings;
        this.referenceImages = referenceImages;
        this.catalog = catalog;
        this.health = health;
        this.callLog = callLog;
        this.clock = clock;
        this.json = objectMapper;
        for (ProviderProperties.Provider provider : properties.providers()) {
            if (configs.putIfAbsent(provider.id(), provider) != null) {
                throw new IllegalStateException("provider id " + provider.id() + " is configured twice");
            }
            ApiKeys.Ref key = apiKeys.ref(ApiKeys.providerScope(provider.id()), provider.resolvedApiKey());
            keys.put(provider.id(), key);
            HttpExchange http = new HttpExchange(provider, () -> resolve(provider.baseUrl()), key, webClients, callLog,
                    objectMapper, clock, health, gate);
            clients.put(provider.id(), switch (provider.format()) {
                case OPENAI_VIDEOS -> new OpenAiVideosClient(http, provider.idempotencyKeys());
                case RELAY_MULTIPART -> new RelayMultipartClient(http);
                case GEMINI_VEO -> new GeminiVeoClient(http, provider);
                case FAL_QUEUE -> new FalQueueClient(http, provider);
                case REPLICATE -> new ReplicateClient(http, provider);
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
                .filter(p -> p.serves(model))
                .sorted(Comparator.comparingInt(ProviderProperties.Provider::priority))
                .map(HttpUpstreamProviders::routeOf)
                .toList();
    }

    /**
     * The providers that serve the model with this size, duration and image: by priority, then by price for this
     * request (unpriced last), then by health (an open rate-limit window last, then fewer recent failures). The
     * choice and its reason go to the call log as a {@code route} row.
     */
    @Override
    public List<ProviderRoute> routesFor(VideoId videoId, TaskSpec spec) {
        boolean image = spec.referenceImage() != null;
        Instant now = clock.instant();
        List<Candidate> candidates = configs.values().stream()
                .filter(p -> p.serves(spec.model()))
                .flatMap(p -> {
                    Optional<ProviderProperties.Offer> offer = catalog.offersOf(p.id()).stream()
                            .filter(o -> o.id().equals(spec.model())).findFirst();
                    if (offer.isPresent() && !offer.get().accepts(spec.size(), spec.seconds(), image)) {
                        return java.util.stream.Stream.empty();
                    }
                    BigDecimal price = offer.map(o -> o.priceAt(spec.size())).orElse(null);
                    return java.util.stream.Stream.of(new Candidate(p, price, health.of(p.id())));
                })
                .sorted(Candidate.ORDER.apply(now))
                .toList();
        callLog.record(new UpstreamCallLog.Call(videoId.value(), candidates.isEmpty() ? "-" : candidates.get(0).provider().id(),
                "route", null, 0, 0, candidates.isEmpty() ? "no provider serves " + spec.model() + " at " + spec.size()
                + ", " + spec.seconds() + " s" + (image ? " with an image" : "") : null,
                toJson(new UpstreamCallLog.RouteRequest(spec.model(), spec.size(), spec.seconds(), image)),
                toJson(new UpstreamCallLog.RouteChoice(candidates.stream().map(Candidate::summary).toList(),
                        candidates.isEmpty() ? null : reason(candidates, now)))));
        return candidates.stream().map(c -> routeOf(c.provider())).toList();
    }

    /** One provider that could take a request, with what orders it. */
    private record Candidate(ProviderProperties.Provider provider, BigDecimal price, ProviderHealth.State health) {
        static final java.util.function.Function<Instant, Comparator<Candidate>> ORDER = now -> Comparator
                .comparingInt((Candidate c) -> c.provider().priority())
                .thenComparing(Candidate::price, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(c -> c.health().rateLimited(now))
                .thenComparingInt(c -> c.health().recentFailures());

        UpstreamCallLog.RouteCandidate summary() {
            return new UpstreamCallLog.RouteCandidate(provider.id(), provider.priority(), price, health.recentFailures(),
                    health.rateLimitedUntil());
        }
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Why the first candidate came first: the first rule that set it apart from the second. */
    private static String reason(List<Candidate> candidates, Instant now) {
        Candidate first = candidates.get(0);
        if (candidates.size() == 1) {
            return "only " + first.provider().id() + " serves this request";
        }
        Candidate second = candidates.get(1);
        if (first.provider().priority() != second.provider().priority()) {
            return "priority " + first.provider().priority() + " before " + second.provider().priority();
        }
        if (first.price() != null && (second.price() == null || first.price().compareTo(second.price()) < 0)) {
            return "price " + first.price().toPlainString() + "/s before "
                    + (second.price() == null ? "unpriced" : second.price().toPlainString() + "/s");
        }
        if (!first.health().rateLimited(now) && second.health().rateLimited(now)) {
            return second.provider().id() + " is rate-limited until " + second.health().rateLimitedUntil();
        }
        if (first.health().recentFailures() < second.health().recentFailures()) {
            return "health: " + first.health().recentFailures() + " recent failures against "
                    + second.health().recentFailures();
        }
        return "equal on priority, price and health: configuration order";
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

    /** The key to send to this provider now: managed if an admin set one, else the configured one. */
    public String keyOf(ProviderProperties.Provider provider) {
        return keys.get(provider.id()).current();
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
