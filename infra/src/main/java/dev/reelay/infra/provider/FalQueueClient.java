package dev.reelay.infra.provider;

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

/**
 * fal's queue API (reference: https://docs.fal.ai/model-endpoints/queue; webhooks:
 * https://docs.fal.ai/model-endpoints/webhooks).
 * <ul>
 *   <li>submit {@code POST {base}/{app path}} (the model's fal app, e.g. {@code fal-ai/kling-video/v2.1/standard/text-to-video},
 *       from {@code upstream-models}; with a reference image, from {@code image-upstream-models}) with
 *       {@code Authorization: Key …}; input {@code prompt, duration, aspect_ratio, resolution} and the image as a data
 *       URL in {@code image-field} (default {@code image_url}); {@code fal_webhook} when webhooks are on;</li>
 *   <li>the answer's {@code request_id} is the job; its id in Reelay is {@code request_id@owner/app}, because the
 *       status, result and cancel paths name the app without its subpath ({@code {base}/{owner}/{app}/requests/{id}
 *       /status}, {@code …/requests/{id}}, {@code PUT …/requests/{id}/cancel}). Reelay builds these from its own base
 *       URL rather than following the {@code status_url}/{@code response_url}/{@code cancel_url} of the answer, so
 *       the key never goes to a host the provider names;</li>
 *   <li>{@code IN_QUEUE} (with {@code queue_position}), {@code IN_PROGRESS} (with {@code logs}, into the call log) and
 *       {@code COMPLETED}, after which the result is read: {@code video.url}, or an error ({@code detail[].type}, e.g.
 *       {@code content_policy_violation});</li>
 *   <li>webhooks are signed with ED25519 ({@link FalWebhooks}).</li>
 * </ul>
 * fal has no idempotency key: an ambiguous submit fails the task rather than paying twice. No remix.
 */
class FalQueueClient implements ProviderClient {

    private final HttpExchange http;
    private final ProviderProperties.Provider provider;

    FalQueueClient(HttpExchange http, ProviderProperties.Provider provider) {
        this.http = http;
        this.provider = provider;
    }

    @Override
    public Mono<UpstreamJob> create(VideoId videoId, TaskSpec spec, byte[] image, int attempt) {
        String app = provider.upstreamModel(spec.model(), image != null);
        if (app.split("/").length < 2 || app.contains(":")) {
            return Mono.error(new UpstreamException(UpstreamException.Kind.CONFIGURATION, 0, null,
                    "fal app " + app + " is not owner/app[/subpath]", null));
        }
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("prompt", spec.prompt());
        input.put("duration", String.valueOf(spec.seconds()));
        input.put("aspect_ratio", NativeInputs.aspectRatio(spec.size()));
        input.put("resolution", NativeInputs.resolution(spec.size()));
        if (image != null) {
            input.put(provider.imageField(), NativeInputs.dataUrl(spec, image));
        }
        boolean hooked = provider.webhooks() && provider.webhookUrl() != null;
        // the app path is configuration (checked when it is bound), so it may stand in the template literally
        HttpExchange.Path path = hooked ? HttpExchange.Path.of("/" + app + "?fal_webhook={hook}", provider.webhookUrl())
                : HttpExchange.Path.of("/" + app);
        String owned = ownerApp(app);
        return http.call("create", videoId.value(), attempt, HttpMethod.POST, path, this::auth,
                req -> req.contentType(MediaType.APPLICATION_JSON).bodyValue(input),
                http.toJson(UpstreamCallLog.CreateSummary.of(spec, image != null)), answer -> {
                    JsonNode submitted = http.parse(answer.body());
                    String requestId = HttpExchange.text(submitted, "request_id");
                    if (requestId == null || !requestId.matches("[A-Za-z0-9_-]{1,128}")) {
                        throw new IllegalArgumentException("a queued request needs a request_id");
                    }
                    Integer position = submitted.path("queue_position").canConvertToInt()
                            ? submitted.get("queue_position").asInt() : null;
                    return new UpstreamJob(requestId + "@" + owned, UpstreamJob.State.QUEUED, 0, null, null, null, null,
                            null, null, null, position);
                }, job -> http.toJson(UpstreamCallLog.JobSummary.of(job)));
    }

    @Override
    public Mono<UpstreamJob> remix(String sourceExternalId, VideoId videoId, TaskSpec spec, int attempt) {
        return ProviderClient.remixUnsupported("fal queue requests");
    }

    @Override
    public Mono<UpstreamJob> retrieve(String externalTaskId, VideoId videoId) {
        Job job = Job.of(externalTaskId);
        return http.call("retrieve", videoId.value(), 1, HttpMethod.GET,
                        HttpExchange.Path.of("/" + job.app() + "/requests/{id}/status?logs=1", job.requestId()), this::auth,
                        req -> req, http.toJson(new UpstreamCallLog.JobRef(externalTaskId)),
                        answer -> status(externalTaskId, answer), this::describe)
                .flatMap(observed -> observed.job().state() == UpstreamJob.State.COMPLETED
                        && observed.job().contentUrl() == null && observed.job().errorCode() == null
                        ? result(job, externalTaskId, videoId) : Mono.just(observed.job()));
    }

    @Override
    public Mono<Void> delete(String externalTaskId, VideoId videoId) {
        Job job = Job.of(externalTaskId);
        return http.call("delete", videoId.value(), 1, HttpMethod.PUT,
                HttpExchange.Path.of("/" + job.app() + "/requests/{id}/cancel", job.requestId()), this::auth, req -> req,
                http.toJson(new UpstreamCallLog.JobRef(externalTaskId)), answer -> "cancellation requested", s -> s).then();
    }

    private NativeInputs.Observed status(String externalTaskId, HttpExchange.Answer answer) {
        JsonNode status = http.parse(answer.body());
        String state = HttpExchange.text(status, "status");
        if (state == null) {
            throw new IllegalArgumentException("a queue status needs a status");
        }
        String logs = logs(status.get("logs"));
        UpstreamJob job = switch (state.toUpperCase(Locale.ROOT)) {
            case "IN_QUEUE" -> new UpstreamJob(externalTaskId, UpstreamJob.State.QUEUED, 0, null, null, null, null, null,
                    null, null, status.path("queue_position").canConvertToInt() ? status.get("queue_position").asInt() : null);
            case "IN_PROGRESS" -> new UpstreamJob(externalTaskId, UpstreamJob.State.IN_PROGRESS,
                    NativeInputs.percentFromLogs(logs), null, null, null, null, null, null, null);
            case "COMPLETED" -> status.hasNonNull("error")
                    ? failed(externalTaskId, HttpExchange.text(status, "error_type"), HttpExchange.text(status, "error"))
                    : new UpstreamJob(externalTaskId, UpstreamJob.State.COMPLETED, 100, null, null, null, null, null, null, null);
            default -> throw new IllegalArgumentException("unknown status " + state);
        };
        return new NativeInputs.Observed(job, logs);
    }

    /** The finished request's output: its video, or the error fal keeps as the result. */
    private Mono<UpstreamJob> result(Job job, String externalTaskId, VideoId videoId) {
        return http.call("result", videoId.value(), 1, HttpMethod.GET,
                        HttpExchange.Path.of("/" + job.app() + "/requests/{id}", job.requestId()), this::auth, req -> req,
                        http.toJson(new UpstreamCallLog.JobRef(externalTaskId)), answer -> {
                            JsonNode result = http.parse(answer.body());
                            String url = HttpExchange.text(result.path("video"), "url");
                            if (url == null || url.isBlank()) {
                                throw new IllegalArgumentException("a completed video request needs video.url");
                            }
                            return new UpstreamJob(externalTaskId, UpstreamJob.State.COMPLETED, 100, null, null, url, null,
                                    null, null, null);
                        }, j -> http.toJson(UpstreamCallLog.JobSummary.of(j)))
                .onErrorResume(UpstreamException.class, e -> e.kind() == UpstreamException.Kind.USER_ERROR
                        ? Mono.just(failed(externalTaskId, e.providerCode(), e.getMessage())) : Mono.error(e));
    }

    private UpstreamJob failed(String externalTaskId, String code, String message) {
        return new UpstreamJob(externalTaskId, UpstreamJob.State.FAILED, 0, code == null ? "request_failed" : code,
                message == null ? null : http.redact(message), null, null, null, null, null);
    }

    private String describe(NativeInputs.Observed observed) {
        return http.toJson(UpstreamCallLog.JobSummary.of(observed.job(), observed.logs()));
    }

    private static String logs(JsonNode logs) {
        if (logs == null || !logs.isArray()) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode line : logs) {
            text.append(line.path("message").asText("")).append('\n');
        }
        return text.toString();
    }

    private void auth(HttpHeaders headers) {
        headers.set(HttpHeaders.AUTHORIZATION, "Key " + http.key());
        headers.setAccept(List.of(MediaType.APPLICATION_JSON));
    }

    /** {@code owner/app/subpath} → {@code owner/app}: status, result and cancel paths name the app without subpath. */
    private static String ownerApp(String app) {
        String[] parts = app.split("/");
        return parts[0] + "/" + parts[1];
    }

    /** Reelay's id of a fal request: {@code request_id@owner/app}. */
    record Job(String requestId, String app) {
        static Job of(String externalTaskId) {
            int at = externalTaskId.indexOf('@');
            String app = at < 0 ? "" : externalTaskId.substring(at + 1);
            if (at <= 0 || !app.matches("[A-Za-z0-9._-]+/[A-Za-z0-9._-]+")) {
                throw new UpstreamException(UpstreamException.Kind.UNKNOWN, 0, "unknown_job",
                        "not a fal request id: " + externalTaskId, null);
            }
            return new Job(externalTaskId.substring(0, at), app);
        }
    }
}
