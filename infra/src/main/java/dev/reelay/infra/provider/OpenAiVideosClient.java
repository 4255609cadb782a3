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

import java.time.Instant;
import java.util.Locale;

/** The OpenAI Videos wire format ({@code POST/GET/DELETE /videos}, remix, content), which relays keep serving. */
class OpenAiVideosClient implements ProviderClient {

    private final HttpExchange http;
    private final boolean idempotencyKeys;

    OpenAiVideosClient(HttpExchange http, boolean idempotencyKeys) {
        this.http = http;
        this.idempotencyKeys = idempotencyKeys;
    }

    @Override
    public Mono<UpstreamJob> create(VideoId videoId, TaskSpec spec, byte[] image, int attempt) {
        String summary = http.toJson(UpstreamCallLog.CreateSummary.of(spec, image != null));
        if (image == null) {
            CreateBody body = CreateBody.of(spec);
            return http.call("create", videoId.value(), attempt, HttpMethod.POST,
                    HttpExchange.Path.of("/videos"), headers(videoId),
                    req -> req.contentType(MediaType.APPLICATION_JSON).bodyValue(body), summary, this::job, this::describe);
        }
        MultipartBodyBuilder parts = new MultipartBodyBuilder();
        parts.part("model", spec.model());
        parts.part("prompt", spec.prompt());
        parts.part("size", spec.size());
        parts.part("seconds", String.valueOf(spec.seconds()));
        HttpExchange.addReferenceImage(parts, spec, image);
        return http.call("create", videoId.value(), attempt, HttpMethod.POST,
                HttpExchange.Path.of("/videos"), headers(videoId),
                req -> req.contentType(MediaType.MULTIPART_FORM_DATA).body(BodyInserters.fromMultipartData(parts.build())),
                summary, this::job, this::describe);
    }

    /** The remix names its model too: relays route by it, and a remix may move to another model of the same family. */
    @Override
    public Mono<UpstreamJob> remix(String sourceExternalId, VideoId videoId, TaskSpec spec, int attempt) {
        return http.call("remix", videoId.value(), attempt, HttpMethod.POST,
                HttpExchange.Path.of("/videos/{id}/remix", sourceExternalId), headers(videoId),
                req -> req.contentType(MediaType.APPLICATION_JSON).bodyValue(RemixBody.of(spec)),
                http.toJson(UpstreamCallLog.RemixSummary.of(sourceExternalId, spec)), this::job, this::describe);
    }

    @Override
    public Mono<UpstreamJob> retrieve(String externalTaskId, VideoId videoId) {
        return http.call("retrieve", videoId.value(), 1, HttpMethod.GET,
                HttpExchange.Path.of("/videos/{id}", externalTaskId), headers(null),
                req -> req, http.toJson(new UpstreamCallLog.JobRef(externalTaskId)), this::job, this::describe);
    }

    @Override
    public Mono<Void> delete(String externalTaskId, VideoId videoId) {
        return http.call("delete", videoId.value(), 1, HttpMethod.DELETE,
                HttpExchange.Path.of("/videos/{id}", externalTaskId), headers(null),
                req -> req, http.toJson(new UpstreamCallLog.JobRef(externalTaskId)), answer -> "deleted", s -> s).then();
    }

    private java.util.function.Consumer<HttpHeaders> headers(VideoId idempotencyKey) {
        return h -> {
            h.setBearerAuth(http.key());
            h.setAccept(java.util.List.of(MediaType.APPLICATION_JSON));
            if (idempotencyKey != null && idempotencyKeys) {
                h.set("Idempotency-Key", idempotencyKey.value());
            }
        };
    }

    private UpstreamJob job(HttpExchange.Answer answer) {
        JsonNode video = http.parse(answer.body());
        String id = HttpExchange.text(video, "id");
        String status = HttpExchange.text(video, "status");
        if (id == null || status == null) {
            throw new IllegalArgumentException("a video object needs an id and a status");
        }
        UpstreamJob.State state = switch (status.toLowerCase(Locale.ROOT)) {
            case "queued" -> UpstreamJob.State.QUEUED;
            case "in_progress" -> UpstreamJob.State.IN_PROGRESS;
            case "completed" -> UpstreamJob.State.COMPLETED;
            case "failed" -> UpstreamJob.State.FAILED;
            default -> throw new IllegalArgumentException("unknown status " + status);
        };
        JsonNode error = video.get("error");
        String errorCode = error != null && error.isObject() ? HttpExchange.text(error, "code") : null;
        String errorMessage = error != null && error.isObject() ? HttpExchange.text(error, "message") : null;
        Instant expires = video.hasNonNull("expires_at") && video.get("expires_at").canConvertToLong()
                ? Instant.ofEpochSecond(video.get("expires_at").asLong()) : null;
        Integer seconds = video.hasNonNull("seconds") && video.get("seconds").asText().matches("\\d{1,4}")
                ? Integer.valueOf(video.get("seconds").asText()) : null;
        String content = state == UpstreamJob.State.COMPLETED ? http.baseUrl() + "/videos/" + id + "/content" : null;
        return new UpstreamJob(id, state, Math.max(0, Math.min(100, video.path("progress").asInt(0))), errorCode,
                errorMessage == null ? null : http.redact(errorMessage), content, expires, seconds,
                HttpExchange.text(video, "size"), HttpExchange.pollAfter(answer.headers()));
    }

    private String describe(UpstreamJob job) {
        return http.toJson(UpstreamCallLog.JobSummary.of(job));
    }

    /** The JSON create of the OpenAI format; {@code seconds} is a string there. */
    record CreateBody(String model, String prompt, String size, String seconds) {
        static CreateBody of(TaskSpec spec) {
            return new CreateBody(spec.model(), spec.prompt(), spec.size(), String.valueOf(spec.seconds()));
        }
    }

    /** The remix request both formats send: the prompt and the model. */
    record RemixBody(String prompt, String model) {
        static RemixBody of(TaskSpec spec) {
            return new RemixBody(spec.prompt(), spec.model());
        }
    }
}
