package dev.reelay.command.web;

import dev.reelay.kernel.account.Owner;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.reelay.command.port.IdempotencyStore;
import dev.reelay.kernel.command.DeleteTask;
import dev.reelay.kernel.command.RemixTask;
import dev.reelay.kernel.command.SubmitTask;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import jakarta.servlet.http.HttpServletRequest;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenAI Videos API's write routes, so any OpenAI SDK works against Reelay unchanged. The same validation,
 * idempotency, commands and events as {@code /api/video/*}: two doors into one model.
 */
@RestController
class OpenAiVideoCommandController {

    private final CommandGateway commands;
    private final TaskRequestValidator validator;
    private final TaskSubmissions submissions;
    private final WriteVisibility visibility;
    private final Clock clock;

    OpenAiVideoCommandController(CommandGateway commands, TaskRequestValidator validator, TaskSubmissions submissions,
                                 WriteVisibility visibility, Optional<Clock> clock) {
        this.commands = commands;
        this.validator = validator;
        this.submissions = submissions;
        this.visibility = visibility;
        this.clock = clock.orElse(Clock.systemUTC());
    }

    @PostMapping(path = "/v1/videos", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<String> create(@RequestBody JsonNode body, Owner caller,
                                  @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        if (body == null || !body.isObject()) {
            throw new TaskRejectedException(ErrorCode.MALFORMED_REQUEST, "The request body must be a JSON object");
        }
        ObjectNode normalised = ((ObjectNode) body).deepCopy();
        JsonNode reference = body.get("input_reference");
        if (reference != null && !reference.isNull()) {
            normalised.set("referenceImage", imageUrl(reference));
        }
        return submit(RawTaskRequest.fromJson(normalised), caller, idempotencyKey);
    }

    @PostMapping(path = "/v1/videos", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<String> createMultipart(@RequestParam Map<String, String> fields,
                                           @RequestPart(name = "input_reference", required = false) MultipartFile file,
                                           Owner caller,
                                           @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey)
            throws IOException {
        FileParts.refuseAsText(fields);
        RawTaskRequest.UploadedImage upload = file == null ? null
                : new RawTaskRequest.UploadedImage("input_reference", file.getContentType(), file.getBytes());
        return submit(RawTaskRequest.fromForm(fields, upload), caller, idempotencyKey);
    }

    /**
     * {@code input_reference: {image_url: "data:…"}}. Remote URLs are refused: Reelay does not fetch reference images
     * from arbitrary (or internal) addresses.
     */
    private JsonNode imageUrl(JsonNode reference) {
        JsonNode url = reference.isObject() ? reference.get("image_url") : reference;
        if (url == null || !url.isTextual()) {
            throw TaskRejectedException.invalidField("input_reference", "TYPE",
                    "input_reference must be {\"image_url\": \"data:image/...;base64,...\"}");
        }
        if (!url.asText().startsWith("data:")) {
            throw TaskRejectedException.invalidField("input_reference", "URL_NOT_ALLOWED",
                    "input_reference.image_url must be a data URL; send the image bytes, not a link");
        }
        return TextNode.valueOf(url.asText());
    }

    private ResponseEntity<String> submit(RawTaskRequest raw, Owner caller, String idempotencyKey) {
        TaskSpec spec = validator.validate(raw);
        String owner = caller.value();
        return submissions.once(IdempotencyStore.RouteFamily.OPENAI, owner, idempotencyKey, "create|" + spec, () -> {
            VideoId videoId = VideoId.random();
            Instant now = clock.instant();
            commands.sendAndWait(new SubmitTask(videoId, owner, spec, now));
            visibility.awaitVisible(videoId);
            return ResponseEntity.ok(video(videoId, spec, now, null));
        });
    }

    @PostMapping(path = "/v1/videos/{videoId}/remix", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<String> remix(@PathVariable String videoId, @RequestBody JsonNode body, Owner caller,
                                 HttpServletRequest request,
                                 @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        VideoId source = wellFormed(videoId);
        if (body == null || !body.isObject()) {
            throw new TaskRejectedException(ErrorCode.MALFORMED_REQUEST, "The request body must be a JSON object");
        }
        return remixWith(source, validator.validRemixPrompt(body.get("prompt")), caller, request, idempotencyKey);
    }

    /** The official SDKs send the remix as multipart form data. */
    @PostMapping(path = "/v1/videos/{videoId}/remix", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<String> remixForm(@PathVariable String videoId, @RequestParam Map<String, String> fields,
                                     Owner caller, HttpServletRequest request,
                                     @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        VideoId source = wellFormed(videoId);
        String prompt = validator.validRemixPrompt(fields.get("prompt") == null ? null : TextNode.valueOf(fields.get("prompt")));
        return remixWith(source, prompt, caller, request, idempotencyKey);
    }

    private ResponseEntity<String> remixWith(VideoId source, String prompt, Owner caller, HttpServletRequest request,
                                             String idempotencyKey) {
        String owner = caller.value();
        boolean admin = request.isUserInRole("admin");
        return submissions.once(IdempotencyStore.RouteFamily.OPENAI, owner, idempotencyKey, "remix|" + source + "|" + prompt + "|null", () -> {
            VideoId remixId = VideoId.random();
            Instant now = clock.instant();
            commands.sendAndWait(new RemixTask(source, remixId, owner, admin, prompt, null, now));
            visibility.awaitVisible(remixId);
            Map<String, Object> video = new LinkedHashMap<>();
            video.put("id", remixId.value());
            video.put("object", "video");
            video.put("status", "queued");
            video.put("progress", 0);
            video.put("created_at", now.getEpochSecond());
            video.put("prompt", prompt);
            video.put("remixed_from_video_id", source.value());
            return ResponseEntity.ok(video);
        });
    }

    @DeleteMapping("/v1/videos/{videoId}")
    Map<String, Object> delete(@PathVariable String videoId, Owner caller, HttpServletRequest request) {
        VideoId id = wellFormed(videoId);
        commands.sendAndWait(new DeleteTask(id, caller.value(), request.isUserInRole("admin"), clock.instant()));
        visibility.awaitVisible(id);
        return Map.of("id", id.value(), "object", "video.deleted", "deleted", true);
    }

    static Map<String, Object> video(VideoId id, TaskSpec spec, Instant createdAt, String remixedFrom) {
        Map<String, Object> video = new LinkedHashMap<>();
        video.put("id", id.value());
        video.put("object", "video");
        video.put("status", "queued");
        video.put("progress", 0);
        video.put("created_at", createdAt.getEpochSecond());
        video.put("model", spec.model());
        video.put("prompt", spec.prompt());
        video.put("size", spec.size());
        video.put("seconds", String.valueOf(spec.seconds()));
        video.put("remixed_from_video_id", remixedFrom);
        return video;
    }

    private static VideoId wellFormed(String raw) {
        if (!VideoId.isWellFormed(raw)) {
            throw new TaskRejectedException(ErrorCode.TASK_NOT_FOUND, "No video found with id " + (raw.length() > 80 ? raw.substring(0, 80) : raw));
        }
        return new VideoId(raw);
    }
}
