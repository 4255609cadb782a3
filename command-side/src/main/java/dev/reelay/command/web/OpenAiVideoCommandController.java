package dev.reelay.command.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.reelay.command.port.IdempotencyStore.RouteFamily;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.OpenAiVideo;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import jakarta.servlet.http.HttpServletRequest;
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
import java.time.Instant;
import java.util.Map;

/**
 * The OpenAI Videos API's write routes, so any OpenAI SDK works against Reelay unchanged. The flow is
 * {@link TaskWrites}, shared with {@code /api/video/*}: two doors into one model. Create and remix answer the
 * freshly queued video object.
 */
@RestController
class OpenAiVideoCommandController {

    private final TaskWrites writes;

    OpenAiVideoCommandController(TaskWrites writes) {
        this.writes = writes;
    }

    @PostMapping(path = "/v1/videos", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<String> create(@RequestBody JsonNode body, Owner caller,
                                  @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        ObjectNode normalised = JsonBodies.object(body).deepCopy();
        JsonNode reference = body.get("input_reference");
        if (reference != null && !reference.isNull()) {
            normalised.set("referenceImage", imageUrl(reference));
        }
        return create(RawTaskRequest.fromJson(normalised), caller, idempotencyKey);
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
        return create(RawTaskRequest.fromForm(fields, upload), caller, idempotencyKey);
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

    private ResponseEntity<String> create(RawTaskRequest raw, Owner caller, String idempotencyKey) {
        return writes.create(raw, caller, RouteFamily.OPENAI, idempotencyKey,
                created -> ResponseEntity.ok(queued(created.videoId(), created.spec(), created.createdAt(), null)));
    }

    @PostMapping(path = "/v1/videos/{videoId}/remix", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<String> remix(@PathVariable String videoId, @RequestBody JsonNode body, Owner caller,
                                 HttpServletRequest request,
                                 @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        VideoId source = TaskWrites.existingId(videoId);
        return remix(source, JsonBodies.object(body).get("prompt"), caller, request, idempotencyKey);
    }

    /** The official SDKs send the remix as multipart form data. */
    @PostMapping(path = "/v1/videos/{videoId}/remix", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<String> remixForm(@PathVariable String videoId, @RequestParam Map<String, String> fields,
                                     Owner caller, HttpServletRequest request,
                                     @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        VideoId source = TaskWrites.existingId(videoId);
        String prompt = fields.get("prompt");
        return remix(source, prompt == null ? null : TextNode.valueOf(prompt), caller, request, idempotencyKey);
    }

    /** The OpenAI remix takes a prompt only: the remix keeps its source's model. */
    private ResponseEntity<String> remix(VideoId source, JsonNode prompt, Owner caller, HttpServletRequest request,
                                         String idempotencyKey) {
        return writes.remix(source, prompt, null, caller, request.isUserInRole("admin"), RouteFamily.OPENAI,
                idempotencyKey, remixed -> ResponseEntity.ok(queued(remixed.accepted().remixVideoId(),
                        remixed.accepted().spec(), remixed.createdAt(), source.value())));
    }

    @DeleteMapping("/v1/videos/{videoId}")
    OpenAiVideo.Deleted delete(@PathVariable String videoId, Owner caller, HttpServletRequest request) {
        VideoId id = TaskWrites.existingId(videoId);
        writes.delete(id, caller, request.isUserInRole("admin"));
        return OpenAiVideo.Deleted.of(id.value());
    }

    private static OpenAiVideo queued(VideoId id, TaskSpec spec, Instant createdAt, String remixedFrom) {
        return OpenAiVideo.queued(id.value(), createdAt, spec.model(), spec.prompt(), spec.size(), spec.seconds(),
                remixedFrom);
    }
}
