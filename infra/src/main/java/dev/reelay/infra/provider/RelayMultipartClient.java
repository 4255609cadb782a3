package dev.reelay.infra.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.command.upstream.UpstreamJob;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.client.MultipartBodyBuilder;
import org.springframework.web.reactive.function.BodyInserters;
import reactor.core.publisher.Mono;

import java.util.Locale;

/**
 * The seed backend's relay: multipart create with {@code prompt, model, size, seconds/duration, input_reference}, the raw
 * key in {@code Authorization}, status answers that carry a {@code video_url}, and remix with JSON {@code {prompt, model}}.
 * It has no delete.
 */
class RelayMultipartClient implements ProviderClient {

    private final HttpExchange http;

    RelayMultipartClient(HttpExchange http) {
        this.http = http;
    }

    @Override
    public Mono<UpstreamJob> create(VideoId videoId, TaskSpec spec, byte[] image, int attempt) {
        MultipartBodyBuilder parts = new MultipartBodyBuilder();
        parts.part("prompt", spec.prompt());
        parts.part("model", spec.model());
        parts.part("size", spec.size());
        parts.part("seconds", String.valueOf(spec.seconds()));
        parts.part("duration", String.valueOf(spec.seconds()));
        if (image != null) {
            HttpExchange.addReferenceImage(parts, spec, image);
        }
        return http.call("create", videoId.value(), attempt, HttpMethod.POST,
                HttpExchange.Path.of("/videos"), this::auth,
                req -> req.contentType(MediaType.MULTIPART_FORM_DATA).body(BodyInserters.fromMultipartData(parts.build())),
                http.toJson(UpstreamCallLog.CreateSummary.of(spec, image != null)), this::job, this::describe);
    }

    /** The seed backend's remix: {@code POST /videos/{externalTaskId}/remix} with JSON {@code {prompt, model}}. */
    @Override
    public Mono<UpstreamJob> remix(String sourceExternalId, VideoId videoId, TaskSpec spec, int attempt) {
        return http.call("remix", videoId.value(), attempt, HttpMethod.POST,
                HttpExchange.Path.of("/videos/{id}/remix", sourceExternalId),
                this::auth, req -> req.contentType(MediaType.APPLICATION_JSON).bodyValue(OpenAiVideosClient.RemixBody.of(spec)),
                http.toJson(UpstreamCallLog.RemixSummary.of(sourceExternalId, spec)), this::job, this::describe);
    }

    @Override
    public Mono<UpstreamJob> retrieve(String externalTaskId, VideoId videoId) {
        return http.call("retrieve", videoId.value(), 1, HttpMethod.GET,
                HttpExchange.Path.of("/videos/{id}", externalTaskId), this::auth,
                req -> req, http.toJson(new UpstreamCallLog.JobRef(externalTaskId)), this::job, this::describe);
    }

    @Override
    public Mono<Void> delete(String externalTaskId, VideoId videoId) {
        return Mono.empty(); // the relay has no cancel; the job runs out upstream
    }

    private void auth(HttpHeaders headers) {
        headers.set(HttpHeaders.AUTHORIZATION, http.key());
        headers.setAccept(java.util.List.of(MediaType.APPLICATION_JSON));
    }

    private UpstreamJob job(HttpExchange.Answer answer) {
        JsonNode root = http.parse(answer.body());
        JsonNode task = root.has("data") && root.get("data").isObject() ? root.get("data") : root;
        String id = firstText(task, "id", "task_id", "taskId");
        String status = firstText(task, "status", "state");
        if (id == null || status == null) {
            throw new IllegalArgumentException("a relay task needs an id and a status");
        }
        UpstreamJob.State state = switch (status.toLowerCase(Locale.ROOT)) {
            case "queued", "pending", "submitted", "waiting" -> UpstreamJob.State.QUEUED;
            case "in_progress", "processing", "running", "generating" -> UpstreamJob.State.IN_PROGRESS;
            case "completed", "succeeded", "success", "done" -> UpstreamJob.State.COMPLETED;
            case "failed", "failure", "error", "cancelled" -> UpstreamJob.State.FAILED;
            default -> throw new IllegalArgumentException("unknown status " + status);
        };
        String url = firstText(task, "video_url", "videoUrl", "url");
        if (state == UpstreamJob.State.COMPLETED && url == null) {
            throw new IllegalArgumentException("a completed relay task needs a video_url");
        }
        JsonNode error = task.get("error");
        String errorCode = error != null && error.isObject() ? HttpExchange.text(error, "code") : null;
        String errorMessage = error != null && error.isObject() ? HttpExchange.text(error, "message")
                : error != null && error.isTextual() ? error.asText() : null;
        return new UpstreamJob(id, state, Math.max(0, Math.min(100, task.path("progress").asInt(0))), errorCode,
                errorMessage == null ? null : http.redact(errorMessage), url, null, null, null, HttpExchange.pollAfter(answer.headers()));
    }

    private String describe(UpstreamJob job) {
        return http.toJson(UpstreamCallLog.JobSummary.of(job));
    }

    private static String firstText(JsonNode node, String... fields) {
        for (String field : fields) {
            String value = HttpExchange.text(node, field);
            if (value != null) {
                return value;
            }
        }
        return null;
    }
}
