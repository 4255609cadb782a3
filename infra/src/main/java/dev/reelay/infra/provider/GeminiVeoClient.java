package dev.reelay.infra.provider;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.command.upstream.UpstreamException;
import dev.reelay.command.upstream.UpstreamJob;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import reactor.core.publisher.Mono;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Veo on the Gemini Developer API (reference: https://ai.google.dev/gemini-api/docs/video, REST tab; the operation
 * is a google.longrunning.Operation and its {@code error} a google.rpc.Status).
 * <ul>
 *   <li>create {@code POST {base}/models/{model}:predictLongRunning} with the key in {@code x-goog-api-key} (never in
 *       the URL): {@code instances[0]} = {@code prompt} and the reference image as {@code image.bytesBase64Encoded} +
 *       {@code mimeType}; {@code parameters} = {@code aspectRatio}, {@code resolution}, {@code durationSeconds};</li>
 *   <li>the answer is an operation {@code name} ({@code models/…/operations/…}); it is read with
 *       {@code GET {base}/{name}} until {@code done}. Then {@code response.generateVideoResponse.generatedSamples[0]
 *       .video.uri} is the video (downloaded with the key, which only goes to the base URL's host), or
 *       {@code raiMediaFilteredCount} &gt; 0 is a safety refusal, or {@code error} names the failure;</li>
 *   <li>no cancel (the Developer API documents none for video operations: a cancelled task's operation runs out), no
 *       remix, no webhooks, no idempotency key (an ambiguous create fails the task). Reelay has no negative prompt
 *       to map.</li>
 * </ul>
 */
class GeminiVeoClient implements ProviderClient {

    private static final Pattern OPERATION = Pattern.compile("(?:models/([A-Za-z0-9._-]+)/)?operations/([A-Za-z0-9._-]+)");
    /** google.rpc.Code by number, as the operation's {@code error.code} gives it. */
    private static final Map<Integer, String> RPC_CODES = Map.ofEntries(Map.entry(1, "CANCELLED"),
            Map.entry(2, "UNKNOWN"), Map.entry(3, "INVALID_ARGUMENT"), Map.entry(4, "DEADLINE_EXCEEDED"),
            Map.entry(5, "NOT_FOUND"), Map.entry(7, "PERMISSION_DENIED"), Map.entry(8, "RESOURCE_EXHAUSTED"),
            Map.entry(9, "FAILED_PRECONDITION"), Map.entry(10, "ABORTED"), Map.entry(13, "INTERNAL"),
            Map.entry(14, "UNAVAILABLE"), Map.entry(16, "UNAUTHENTICATED"));

    private final HttpExchange http;
    private final ProviderProperties.Provider provider;

    GeminiVeoClient(HttpExchange http, ProviderProperties.Provider provider) {
        this.http = http;
        this.provider = provider;
    }

    @Override
    public Mono<UpstreamJob> create(VideoId videoId, TaskSpec spec, byte[] image, int attempt) {
        String model = provider.upstreamModel(spec.model(), image != null);
        Instance instance = new Instance(spec.prompt(), image == null ? null
                : new Image(Base64.getEncoder().encodeToString(image), spec.referenceImage().contentType()));
        CreateBody body = new CreateBody(List.of(instance), new Parameters(NativeInputs.aspectRatio(spec.size()),
                NativeInputs.resolution(spec.size()), spec.seconds()));
        return http.call("create", videoId.value(), attempt, HttpMethod.POST,
                        HttpExchange.Path.of("/models/{model}:predictLongRunning", model), this::auth,
                        req -> req.contentType(MediaType.APPLICATION_JSON).bodyValue(body),
                        http.toJson(UpstreamCallLog.CreateSummary.of(spec, image != null)), this::operation, this::describe);
    }

    @Override
    public Mono<UpstreamJob> remix(String sourceExternalId, VideoId videoId, TaskSpec spec, int attempt) {
        return ProviderClient.remixUnsupported("Veo on the Gemini API");
    }

    @Override
    public Mono<UpstreamJob> retrieve(String externalTaskId, VideoId videoId) {
        Matcher name = OPERATION.matcher(externalTaskId);
        if (!name.matches()) {
            return Mono.error(new UpstreamException(UpstreamException.Kind.UNKNOWN, 0, "unknown_job",
                    "not a Gemini operation name", null));
        }
        HttpExchange.Path path = name.group(1) == null ? HttpExchange.Path.of("/operations/{op}", name.group(2))
                : HttpExchange.Path.of("/models/{model}/operations/{op}", name.group(1), name.group(2));
        return http.call("retrieve", videoId.value(), 1, HttpMethod.GET, path, this::auth, req -> req,
                http.toJson(new UpstreamCallLog.JobRef(externalTaskId)), this::operation, this::describe);
    }

    @Override
    public Mono<Void> delete(String externalTaskId, VideoId videoId) {
        return Mono.empty(); // no documented cancel for Veo operations on the Gemini API
    }

    private void auth(HttpHeaders headers) {
        headers.set("x-goog-api-key", http.key());
        headers.setAccept(List.of(MediaType.APPLICATION_JSON));
    }

    private UpstreamJob operation(HttpExchange.Answer answer) {
        JsonNode operation = http.parse(answer.body());
        String name = HttpExchange.text(operation, "name");
        if (name == null || !OPERATION.matcher(name).matches()) {
            throw new IllegalArgumentException("an operation needs a name");
        }
        if (!operation.path("done").asBoolean(false)) {
            int percent = Math.max(0, Math.min(99, operation.path("metadata").path("progressPercent").asInt(0)));
            return new UpstreamJob(name, percent > 0 ? UpstreamJob.State.IN_PROGRESS : UpstreamJob.State.QUEUED, percent,
                    null, null, null, null, null, null, null);
        }
        JsonNode error = operation.get("error");
        if (error != null && error.isObject()) {
            int code = error.path("code").asInt(2);
            return failed(name, RPC_CODES.getOrDefault(code, "UNKNOWN"), HttpExchange.text(error, "message"));
        }
        JsonNode response = operation.path("response").path("generateVideoResponse");
        JsonNode samples = response.path("generatedSamples");
        String uri = samples.isArray() && !samples.isEmpty() ? HttpExchange.text(samples.get(0).path("video"), "uri") : null;
        if (uri != null && !uri.isBlank()) {
            return new UpstreamJob(name, UpstreamJob.State.COMPLETED, 100, null, null, uri, null, null, null, null);
        }
        if (response.path("raiMediaFilteredCount").asInt(0) > 0) {
            JsonNode reasons = response.path("raiMediaFilteredReasons");
            return failed(name, "content_policy_violation", reasons.isArray() && !reasons.isEmpty()
                    ? reasons.get(0).asText() : "the video was filtered by the provider's safety rules");
        }
        throw new IllegalArgumentException("a done operation needs a video, a filter count or an error");
    }

    private UpstreamJob failed(String name, String code, String message) {
        return new UpstreamJob(name, UpstreamJob.State.FAILED, 0, code, message == null ? null : http.redact(message),
                null, null, null, null, null);
    }

    private String describe(UpstreamJob job) {
        return http.toJson(UpstreamCallLog.JobSummary.of(job));
    }

    record CreateBody(List<Instance> instances, Parameters parameters) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Instance(String prompt, Image image) {
    }

    record Image(String bytesBase64Encoded, String mimeType) {
    }

    record Parameters(String aspectRatio, String resolution, int durationSeconds) {
    }
}
