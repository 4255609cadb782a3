package dev.reelay.infra.provider;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.command.upstream.UpstreamException;
import dev.reelay.command.upstream.UpstreamJob;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import reactor.core.publisher.Mono;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Replicate predictions (HTTP API reference: https://replicate.com/docs/reference/http; webhooks:
 * https://replicate.com/docs/topics/webhooks/verify-webhook).
 * <ul>
 *   <li>create: {@code POST /models/{owner}/{name}/predictions} for an official model, or {@code POST /predictions}
 *       with {@code version} when the upstream model names a version ({@code owner/name:version} or the bare id);
 *       input {@code prompt, duration, aspect_ratio, resolution} and the reference image as a data URL in
 *       {@code image-field} (default {@code image});</li>
 *   <li>{@code Cancel-After} is the provider's {@code give-up-after}: Replicate stops (and stops billing) a
 *       prediction Reelay has given up on. {@code Prefer: wait} is not sent: a video takes minutes, and a create held
 *       open only makes a lost answer ambiguous, which (Replicate has no idempotency key) fails the task;</li>
 *   <li>read {@code GET /predictions/{id}}, cancel {@code POST /predictions/{id}/cancel}; statuses
 *       {@code starting, processing, succeeded, failed, canceled}; progress from the progress bars in {@code logs};
 *       the logs themselves go to the call log;</li>
 *   <li>webhooks: {@code webhook} (the provider's {@code webhook-url}) with {@code webhook_events_filter}
 *       {@code [start, completed]}, signed Standard-Webhooks style with the account's {@code whsec_} secret.</li>
 * </ul>
 * No remix.
 */
class ReplicateClient implements ProviderClient {

    private static final Pattern VERSION_ID = Pattern.compile("[0-9a-f]{64}");
    /** Replicate's words for a content-policy refusal in a prediction's {@code error}. */
    private static final Pattern FLAGGED = Pattern.compile("(?i).*(flagged as sensitive|nsfw|content polic|safety).*",
            Pattern.DOTALL);

    private final HttpExchange http;
    private final ProviderProperties.Provider provider;

    ReplicateClient(HttpExchange http, ProviderProperties.Provider provider) {
        this.http = http;
        this.provider = provider;
    }

    @Override
    public Mono<UpstreamJob> create(VideoId videoId, TaskSpec spec, byte[] image, int attempt) {
        String model = provider.upstreamModel(spec.model(), image != null);
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("prompt", spec.prompt());
        input.put("duration", spec.seconds());
        input.put("aspect_ratio", NativeInputs.aspectRatio(spec.size()));
        input.put("resolution", NativeInputs.resolution(spec.size()));
        if (image != null) {
            input.put(provider.imageField(), NativeInputs.dataUrl(spec, image));
        }
        boolean hooked = provider.webhooks() && provider.webhookUrl() != null;
        boolean byVersion = model.contains(":") || VERSION_ID.matcher(model).matches();
        CreateBody body = new CreateBody(byVersion ? model : null, input, hooked ? provider.webhookUrl() : null,
                hooked ? List.of("start", "completed") : null);
        HttpExchange.Path path;
        if (byVersion) {
            path = HttpExchange.Path.of("/predictions");
        } else {
            String[] ownerName = model.split("/", 2);
            if (ownerName.length != 2 || ownerName[1].contains("/")) {
                return Mono.error(new UpstreamException(UpstreamException.Kind.CONFIGURATION, 0, null,
                        "replicate model " + model + " is neither owner/name nor a version", null));
            }
            path = HttpExchange.Path.of("/models/{owner}/{name}/predictions", ownerName[0], ownerName[1]);
        }
        return http.call("create", videoId.value(), attempt, HttpMethod.POST, path, headers(true),
                        req -> req.contentType(MediaType.APPLICATION_JSON).bodyValue(body),
                        http.toJson(UpstreamCallLog.CreateSummary.of(spec, image != null)), this::prediction, this::describe)
                .map(NativeInputs.Observed::job);
    }

    @Override
    public Mono<UpstreamJob> remix(String sourceExternalId, VideoId videoId, TaskSpec spec, int attempt) {
        return ProviderClient.remixUnsupported("Replicate predictions");
    }

    @Override
    public Mono<UpstreamJob> retrieve(String externalTaskId, VideoId videoId) {
        return http.call("retrieve", videoId.value(), 1, HttpMethod.GET,
                        HttpExchange.Path.of("/predictions/{id}", externalTaskId), headers(false), req -> req,
                        http.toJson(new UpstreamCallLog.JobRef(externalTaskId)), this::prediction, this::describe)
                .map(NativeInputs.Observed::job);
    }

    @Override
    public Mono<Void> delete(String externalTaskId, VideoId videoId) {
        return http.call("delete", videoId.value(), 1, HttpMethod.POST,
                HttpExchange.Path.of("/predictions/{id}/cancel", externalTaskId), headers(false), req -> req,
                http.toJson(new UpstreamCallLog.JobRef(externalTaskId)), answer -> "canceled", s -> s).then();
    }

    private Consumer<HttpHeaders> headers(boolean create) {
        return h -> {
            h.setBearerAuth(http.key());
            h.setAccept(List.of(MediaType.APPLICATION_JSON));
            if (create) {
                h.set("Cancel-After", provider.giveUpAfter().toSeconds() + "s");
            }
        };
    }

    private NativeInputs.Observed prediction(HttpExchange.Answer answer) {
        JsonNode prediction = http.parse(answer.body());
        String id = HttpExchange.text(prediction, "id");
        String status = HttpExchange.text(prediction, "status");
        if (id == null || status == null) {
            throw new IllegalArgumentException("a prediction needs an id and a status");
        }
        String logs = HttpExchange.text(prediction, "logs");
        String error = prediction.get("error") == null || prediction.get("error").isNull() ? null
                : prediction.get("error").isTextual() ? prediction.get("error").asText() : prediction.get("error").toString();
        UpstreamJob job = switch (status.toLowerCase(Locale.ROOT)) {
            case "starting" -> job(id, UpstreamJob.State.QUEUED, 0, null, null, null);
            case "processing" -> job(id, UpstreamJob.State.IN_PROGRESS, NativeInputs.percentFromLogs(logs), null, null, null);
            case "succeeded" -> job(id, UpstreamJob.State.COMPLETED, 100, null, null, output(prediction.get("output")));
            case "failed" -> job(id, UpstreamJob.State.FAILED, 0,
                    error != null && FLAGGED.matcher(error).matches() ? "content_policy_violation" : "prediction_failed",
                    error, null);
            case "canceled" -> job(id, UpstreamJob.State.FAILED, 0, "canceled", "the prediction was canceled", null);
            default -> throw new IllegalArgumentException("unknown status " + status);
        };
        return new NativeInputs.Observed(job, logs);
    }

    /** A video model's output is one URL, or a list whose first item is the video. */
    private static String output(JsonNode output) {
        JsonNode url = output != null && output.isArray() && !output.isEmpty() ? output.get(0) : output;
        if (url == null || !url.isTextual() || url.asText().isBlank()) {
            throw new IllegalArgumentException("a succeeded prediction needs an output URL");
        }
        return url.asText();
    }

    private UpstreamJob job(String id, UpstreamJob.State state, int progress, String code, String message, String url) {
        return new UpstreamJob(id, state, progress, code, message == null ? null : http.redact(message), url, null, null,
                null, null, null);
    }

    private String describe(NativeInputs.Observed observed) {
        return http.toJson(UpstreamCallLog.JobSummary.of(observed.job(), observed.logs()));
    }

    /** The create body: {@code version} only for a versioned model; webhook fields only when webhooks are on. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CreateBody(String version, Map<String, Object> input, String webhook,
                      @JsonProperty("webhook_events_filter") List<String> webhookEventsFilter) {
    }
}
