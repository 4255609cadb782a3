package dev.reelay.command.web;

import dev.reelay.kernel.account.Owner;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.reelay.command.port.IdempotencyStore;
import dev.reelay.kernel.command.CancelTask;
import dev.reelay.kernel.command.RemixTask;
import dev.reelay.kernel.command.SubmitTask;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import dev.reelay.kernel.text.VisibleText;
import jakarta.servlet.http.HttpServletRequest;
import org.axonframework.commandhandling.gateway.CommandGateway;
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
import java.util.LinkedHashMap;
import java.util.Map;

/** The seeds' write routes: create (JSON or multipart), the relay form, cancel and remix. */
@RestController
class TaskCommandController {

    private final CommandGateway commands;
    private final TaskRequestValidator validator;
    private final TaskSubmissions submissions;
    private final WriteVisibility visibility;
    private final Clock clock;

    TaskCommandController(CommandGateway commands, TaskRequestValidator validator, TaskSubmissions submissions,
                          WriteVisibility visibility, java.util.Optional<Clock> clock) {
        this.commands = commands;
        this.validator = validator;
        this.submissions = submissions;
        this.visibility = visibility;
        this.clock = clock.orElse(Clock.systemUTC());
    }

    @PostMapping(path = "/api/video/tasks", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<String> create(@RequestBody JsonNode body, Owner caller,
                                  @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        if (body == null || !body.isObject()) {
            throw new TaskRejectedException(ErrorCode.MALFORMED_REQUEST, "The request body must be a JSON object");
        }
        return submit(RawTaskRequest.fromJson(body), caller, idempotencyKey);
    }

    @PostMapping(path = {"/api/video/tasks", "/api/relay/sora/videos"}, consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<String> createMultipart(@RequestParam Map<String, String> fields,
                                           @RequestPart(name = "input_reference", required = false) MultipartFile file,
                                           Owner caller,
                                           @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey)
            throws IOException {
        FileParts.refuseAsText(fields);
        RawTaskRequest.UploadedImage upload = file == null || file.isEmpty() && file.getOriginalFilename() == null ? null
                : new RawTaskRequest.UploadedImage("input_reference", file.getContentType(), file.getBytes());
        return submit(RawTaskRequest.fromForm(fields, upload), caller, idempotencyKey);
    }

    private ResponseEntity<String> submit(RawTaskRequest raw, Owner caller, String idempotencyKey) {
        long started = clock.millis();
        TaskSpec spec = validator.validate(raw);
        String owner = caller.value();
        return submissions.once(IdempotencyStore.RouteFamily.API, owner, idempotencyKey, "create|" + spec, () -> {
            VideoId videoId = VideoId.random();
            Instant now = clock.instant();
            commands.sendAndWait(new SubmitTask(videoId, owner, spec, now));
            visibility.awaitVisible(videoId);
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("videoId", videoId.value());
            data.put("status", TaskStatus.QUEUED);
            data.put("createdAt", now);
            data.put("prompt", spec.prompt());
            data.put("model", spec.model());
            data.put("size", spec.size());
            data.put("seconds", spec.seconds());
            data.put("mediaType", spec.mediaType());
            if (spec.referenceImage() != null) {
                data.put("referenceImage", Map.of("sha256", spec.referenceImage().sha256(),
                        "contentType", spec.referenceImage().contentType(), "bytes", spec.referenceImage().sizeBytes()));
            }
            return ResponseEntity.created(URI.create("/api/video/tasks/" + videoId)).body(envelope(data, started));
        });
    }

    @PostMapping(path = "/api/video/tasks/{videoId}/cancel")
    ResponseEntity<Map<String, Object>> cancel(@PathVariable String videoId,
                                               @RequestBody(required = false) JsonNode body,
                                               Owner caller, HttpServletRequest request) {
        long started = clock.millis();
        VideoId id = existingId(videoId);
        String reason = body != null && body.hasNonNull("reason") && body.get("reason").isTextual()
                ? storableReason(limit(body.get("reason").asText(), 500)) : "cancelled by user";
        Instant now = clock.instant();
        commands.sendAndWait(new CancelTask(id, caller.value(), request.isUserInRole("admin"), reason, now));
        visibility.awaitVisible(id);
        return ResponseEntity.ok(envelope(Map.of("videoId", id.value(), "status", TaskStatus.CANCELLED, "cancelledAt", now), started));
    }

    @PostMapping(path = "/api/video/tasks/{videoId}/remix", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<String> remix(@PathVariable String videoId, @RequestBody JsonNode body, Owner caller,
                                 HttpServletRequest request,
                                 @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
        long started = clock.millis();
        VideoId source = existingId(videoId);
        if (body == null || !body.isObject()) {
            throw new TaskRejectedException(ErrorCode.MALFORMED_REQUEST, "The request body must be a JSON object");
        }
        String prompt = validator.validRemixPrompt(body.get("prompt"));
        String model = validator.validRemixModel(body.hasNonNull("model") ? body.get("model") : NullNode.getInstance());
        String owner = caller.value();
        boolean admin = request.isUserInRole("admin");
        return submissions.once(IdempotencyStore.RouteFamily.API, owner, idempotencyKey, "remix|" + source + "|" + prompt + "|" + model, () -> {
            VideoId remixId = VideoId.random();
            Instant now = clock.instant();
            RemixTask.Accepted accepted = commands.sendAndWait(new RemixTask(source, remixId, owner, admin, prompt, model, now));
            visibility.awaitVisible(remixId);
            return ResponseEntity.created(URI.create("/api/video/tasks/" + remixId))
                    .body(SeedEnvelope.of(RemixResponse.of(accepted, now), clock.millis() - started));
        });
    }

    /** An id that cannot exist is a 404 like any unknown task, never a 5xx. */
    private static VideoId existingId(String raw) {
        if (!VideoId.isWellFormed(raw)) {
            throw TaskRejectedException.taskNotFound(raw);
        }
        return new VideoId(raw);
    }

    private Map<String, Object> envelope(Map<String, Object> data, long started) {
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("success", true);
        envelope.put("data", data);
        envelope.put("requestTime", clock.millis() - started);
        return envelope;
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

    private static String limit(String value, int max) {
        return value.length() <= max ? value : value.substring(0, max);
    }
}
