package dev.reelay.infra.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.upstream.UpstreamException;
import dev.reelay.command.upstream.UpstreamException.Kind;
import dev.reelay.infra.secrets.ApiKeys;
import dev.reelay.kernel.text.VisibleText;
import io.netty.channel.ChannelOption;
import io.netty.handler.timeout.ReadTimeoutException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientRequestException;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.PrematureCloseException;

import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One provider's HTTP plumbing: a WebClient with connect and response timeouts, error classification, Retry-After
 * parsing, redaction of the key from anything that is stored, and one call-log row per exchange.
 */
final class HttpExchange {

    private final String id;
    private final Supplier<String> baseUrl;
    private final WebClient client;
    private final Consumer<UpstreamCallLog.Call> callLog;
    private final ObjectMapper json;
    private final Clock clock;
    private final ApiKeys.Ref key;
    /** Where a video provider's failures count toward routing; {@code null} for an upstream no route chooses (the LLM). */
    private final ProviderHealth health;
    /** The provider's shared Retry-After window and rate cap (ADR 0012); {@code null} for the LLM. */
    private final ProviderGate gate;
    private final Integer maxRequestsPerMinute;

    /** A video provider's exchange: its key through {@link ApiKeys}, every call in the provider call log. */
    HttpExchange(ProviderProperties.Provider provider, Supplier<String> baseUrl, ApiKeys.Ref key, WebClient.Builder builder,
                 UpstreamCallLog callLog, ObjectMapper json, Clock clock, ProviderHealth health, ProviderGate gate) {
        this(provider.id(), provider.connectTimeout(), provider.readTimeout(), baseUrl, key, builder, callLog::record,
                json, clock, health, gate, provider.maxRequestsPerMinute());
    }

    HttpExchange(String id, Duration connectTimeout, Duration readTimeout, Supplier<String> baseUrl, ApiKeys.Ref key,
                 WebClient.Builder builder, Consumer<UpstreamCallLog.Call> callLog, ObjectMapper json, Clock clock,
                 ProviderHealth health, ProviderGate gate, Integer maxRequestsPerMinute) {
        this.id = id;
        this.health = health;
        this.gate = gate;
        this.maxRequestsPerMinute = maxRequestsPerMinute;
        this.clock = clock;
        this.baseUrl = baseUrl;
        this.callLog = callLog;
        this.json = json;
        this.key = key;
        HttpClient http = HttpClient.create()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .responseTimeout(readTimeout);
        this.client = builder.clone()
                .clientConnector(new ReactorClientHttpConnector(http))
                .codecs(c -> c.defaultCodecs().maxInMemorySize(2 * 1024 * 1024))
                .build();
    }

    String providerId() {
        return id;
    }

    String baseUrl() {
        return baseUrl.get();
    }

    /** The key to send now (a rotation applies from the next request on). */
    String key() {
        return key.current();
    }

    /** A raw answer: status, headers and body text. */
    record Answer(int status, HttpHeaders headers, String body) {
    }

    /**
     * A path below the provider's base URL as a URI template and its variables: metrics label the call with the
     * template ({@code /videos/{id}}), never with a job id, and the variables are encoded.
     */
    record Path(String template, Object... variables) {
        static Path of(String template, Object... variables) {
            return new Path(template, variables);
        }
    }

    /**
     * Sends a request once the provider's gate admits it (its shared {@code Retry-After} window and request-rate cap,
     * ADR 0012) and maps a 2xx answer; anything else becomes a classified {@link UpstreamException}.
     */
    <T> Mono<T> call(String operation, String videoId, int attempt, HttpMethod method, Path path,
                     Consumer<HttpHeaders> headers, Function<WebClient.RequestBodySpec, WebClient.RequestHeadersSpec<?>> body,
                     String requestSummary, Function<Answer, T> onSuccess, Function<T, String> responseSummary) {
        boolean mutating = method == HttpMethod.POST;
        Mono<Void> admitted = gate == null ? Mono.empty() : gate.admit(id, maxRequestsPerMinute);
        return admitted.then(Mono.defer(() -> {
            long started = System.nanoTime();
            WebClient.RequestBodySpec spec = client.method(method)
                    .uri(baseUrl.get() + path.template(), path.variables()).headers(headers)
                    .attribute(ProviderCallObservations.PROVIDER, id);
            if (videoId != null) {
                spec = spec.attribute(ProviderCallObservations.VIDEO_ID, videoId);
            }
            return body.apply(spec)
                    .exchangeToMono(response -> response.bodyToMono(String.class).defaultIfEmpty("")
                            .map(text -> new Answer(response.statusCode().value(), response.headers().asHttpHeaders(), text)))
                    .onErrorMap(e -> !(e instanceof UpstreamException), e -> transportFailure(e, mutating))
                    .flatMap(answer -> {
                        if (answer.status() >= 200 && answer.status() < 300) {
                            try {
                                T value = onSuccess.apply(answer);
                                log(operation, videoId, attempt, answer.status(), started, null, requestSummary,
                                        responseSummary.apply(value));
                                return Mono.justOrEmpty(value);
                            } catch (RuntimeException e) {
                                UpstreamException malformed = new UpstreamException(mutating ? Kind.AMBIGUOUS : Kind.TRANSIENT,
                                        answer.status(), null, "malformed response from " + id, null);
                                log(operation, videoId, attempt, answer.status(), started, malformed.getMessage(),
                                        requestSummary, summarizeBody(answer.body()));
                                return Mono.error(malformed);
                            }
                        }
                        UpstreamException failure = httpFailure(answer, operation);
                        if (health != null) {
                            health.observe(id, answer.status(), failure.retryAfter());
                        }
                        log(operation, videoId, attempt, answer.status(), started, failure.getMessage(), requestSummary,
                                summarizeBody(answer.body()));
                        // the window opens before the failure is seen, so no retry (here or elsewhere) precedes it
                        if (gate == null) {
                            return Mono.<T>error(failure);
                        }
                        return gate.holdIfAsked(id, answer.status(), answer.headers(), clock)
                                .onErrorResume(e -> Mono.empty())
                                .then(Mono.<T>error(failure));
                    })
                    .doOnError(e -> {
                        if (e instanceof UpstreamException u && u.httpStatus() == 0) {
                            if (health != null) {
                                health.observe(id, 0, null);
                            }
                            log(operation, videoId, attempt, null, started, u.getMessage(), requestSummary, null);
                        }
                    });
        }));
    }

    private void log(String operation, String videoId, int attempt, Integer status, long started, String error,
                     String request, String response) {
        callLog.accept(new UpstreamCallLog.Call(videoId, id, operation, status,
                (System.nanoTime() - started) / 1_000_000, attempt, redact(error), redact(request), redact(response)));
    }

    /** Transport failures: a POST that may have been sent is ambiguous; a refused connection is not. */
    private UpstreamException transportFailure(Throwable e, boolean mutating) {
        Throwable cause = e instanceof WebClientRequestException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof ConnectException || cause instanceof io.netty.channel.ConnectTimeoutException) {
            return new UpstreamException(Kind.TRANSIENT, 0, null, "cannot connect to " + id, null);
        }
        boolean timeout = cause instanceof ReadTimeoutException || cause instanceof java.util.concurrent.TimeoutException;
        if (timeout || cause instanceof PrematureCloseException) {
            return new UpstreamException(mutating ? Kind.AMBIGUOUS : Kind.TRANSIENT, 0, null,
                    (timeout ? "no answer in time from " : "connection closed by ") + id, null);
        }
        return new UpstreamException(Kind.TRANSIENT, 0, null, "transport error talking to " + id + ": "
                + cause.getClass().getSimpleName(), null);
    }

    private UpstreamException httpFailure(Answer answer, String operation) {
        int status = answer.status();
        String code = null;
        String message = "HTTP " + status + " from " + id;
        try {
            JsonNode body = json.readTree(answer.body());
            JsonNode error = body.has("error") ? body.get("error") : body;
            JsonNode detail = body.path("detail");
            if (detail.isArray() && !detail.isEmpty() && detail.get(0).isObject()) {
                // FastAPI's validation shape, which fal answers with: {"detail":[{"type","msg","loc"}]}
                code = text(detail.get(0), "type");
                String providerMessage = text(detail.get(0), "msg");
                if (providerMessage != null) {
                    message = VisibleText.abbreviate(providerMessage, 300);
                }
            } else if (error.isObject()) {
                code = text(error, "code");
                if (code != null && code.matches("\\d+") && text(error, "status") != null) {
                    code = text(error, "status"); // google.rpc.Status: {"code":400,"status":"INVALID_ARGUMENT"}
                }
                if (code == null) {
                    code = text(error, "type");
                }
                String providerMessage = text(error, "message");
                if (providerMessage != null) {
                    message = VisibleText.abbreviate(providerMessage, 300);
                }
            } else if (error.isTextual()) {
                message = error.asText();
            }
        } catch (Exception ignored) {
            // not JSON: keep the generic message
        }
        Kind kind;
        if (status == 429 || status >= 500 || status == 408) {
            kind = Kind.TRANSIENT;
        } else if (status == 401 || status == 403) {
            kind = Kind.CONFIGURATION;
            message = id + " refused our credentials (HTTP " + status + ")";
        } else if (status == 404) {
            kind = operation.equals("create") ? Kind.CONFIGURATION : Kind.UNKNOWN;
        } else if (status == 400 || status == 422 || status == 413 || status == 415) {
            kind = Kind.USER_ERROR;
        } else {
            kind = Kind.UNKNOWN;
        }
        return new UpstreamException(kind, status, code, redact(message),
                RetryAfter.of(answer.headers(), clock.instant()));
    }

    static Duration pollAfter(HttpHeaders headers) {
        String value = headers.getFirst("openai-poll-after-ms");
        return value != null && value.trim().matches("\\d{1,9}") ? Duration.ofMillis(Long.parseLong(value.trim())) : null;
    }

    JsonNode parse(String body) {
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return node;
        } catch (Exception e) {
            throw new IllegalArgumentException("malformed JSON", e);
        }
    }

    String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The reference image as the {@code input_reference} file part both wire formats use. */
    static void addReferenceImage(org.springframework.http.client.MultipartBodyBuilder parts,
                                  dev.reelay.kernel.task.TaskSpec spec, byte[] image) {
        String type = spec.referenceImage().contentType();
        parts.part("input_reference", new org.springframework.core.io.ByteArrayResource(image) {
            @Override
            public String getFilename() {
                return "reference." + type.substring(type.indexOf('/') + 1);
            }
        }).contentType(org.springframework.http.MediaType.parseMediaType(type));
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** The key never leaves in a log row or an exception, even if a provider echoes it back. */
    String redact(String value) {
        return key.redact(value);
    }

    private static String summarizeBody(String body) {
        if (body == null) {
            return null;
        }
        String head = VisibleText.abbreviate(body, 500);
        return head.length() < body.length() ? head + "…" : body;
    }
}
