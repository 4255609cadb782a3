package dev.reelay.command.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.command.port.IdempotencyStore.RouteFamily;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.VideoId;
import dev.reelay.kernel.text.VisibleText;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * The seed backend's write routes: create (JSON or multipart), the relay form, cancel and remix. Each answers in the
 * seed envelope; the flow itself is {@link TaskWrites}, shared with {@code /v1/videos}.
 */
@RestController
class TaskCommandController {

    private static final int MAX_REASON = 500;

    private final TaskWrites writes;
    private final Clock clock;

    TaskCommandController(TaskWrites writes, Clock clock) {
        this.writes = writes;
        this.clock = clock;
    }

    @PostMapping(path = "/api/video/tasks", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<String> create(@RequestBody JsonNode body, Owner caller,
                                  @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        long started = clock.millis();
        return create(RawTaskRequest.fromJson(JsonBodies.object(body)), caller, idempotencyKey, started);
    }

    @PostMapping(path = {"/api/video/tasks", "/api/relay/sora/videos"}, consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<String> createMultipart(@RequestParam Map<String, String> fields,
                                           @RequestPart(name = "input_reference", required = false) MultipartFile file,
                                           Owner caller,
                                           @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey)
            throws IOException {
        long started = clock.millis();
        FileParts.refuseAsText(fields);
        RawTaskRequest.UploadedImage upload = file == null || file.isEmpty() && file.getOriginalFilename() == null ? null
                : new RawTaskRequest.UploadedImage("input_reference", file.getContentType(), file.getBytes());
        return create(RawTaskRequest.fromForm(fields, upload), caller, idempotencyKey, started);
    }

    private ResponseEntity<String> create(RawTaskRequest raw, Owner caller, String idempotencyKey, long started) {
        return writes.create(raw, caller, RouteFamily.API, idempotencyKey, created ->
                ResponseEntity.created(URI.create("/api/video/tasks/" + created.videoId()))
                        .body(envelope(CreateResponse.of(created), started)));
    }

    @PostMapping(path = "/api/video/tasks/{videoId}/cancel")
    SeedEnvelope<CancelResponse> cancel(@PathVariable String videoId, @RequestBody(required = false) JsonNode body,
                                        Owner caller, HttpServletRequest request) {
        long started = clock.millis();
        VideoId id = TaskWrites.existingId(videoId);
        String reason = body != null && body.hasNonNull("reason") && body.get("reason").isTextual()
                ? storableReason(VisibleText.abbreviate(body.get("reason").asText(), MAX_REASON)) : "cancelled by user";
        Instant cancelledAt = writes.cancel(id, caller, request.isUserInRole("admin"), reason);
        return envelope(CancelResponse.of(id.value(), cancelledAt), started);
    }

    @PostMapping(path = "/api/video/tasks/{videoId}/remix", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<String> remix(@PathVariable String videoId, @RequestBody JsonNode body, Owner caller,
                                 HttpServletRequest request,
                                 @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        long started = clock.millis();
        VideoId source = TaskWrites.existingId(videoId);
        JsonNode fields = JsonBodies.object(body);
        return writes.remix(source, fields.get("prompt"), fields.get("model"), caller, request.isUserInRole("admin"),
                RouteFamily.API, idempotencyKey, remixed ->
                        ResponseEntity.created(URI.create("/api/video/tasks/" + remixed.accepted().remixVideoId()))
                                .body(envelope(RemixResponse.of(remixed.accepted(), remixed.createdAt()), started)));
    }

    private <T> SeedEnvelope<T> envelope(T data, long started) {
        return SeedEnvelope.of(data, clock.millis() - started);
    }

    /**
     * The reason ends up in the task view (and the console): a NUL there would stop the projection for everyone, so
     * control characters other than tab and line breaks, and bidirectional controls, are refused like in a prompt.
     */
    private static String storableReason(String reason) {
        boolean control = reason.chars().anyMatch(c -> Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r');
        if (control || VisibleText.hasBidiControl(reason) || VisibleText.hasLoneSurrogate(reason)) {
            throw TaskRejectedException.invalidField("reason", "INVALID_CHARACTER",
                    "reason must not contain control or bidirectional control characters");
        }
        return reason;
    }
}
