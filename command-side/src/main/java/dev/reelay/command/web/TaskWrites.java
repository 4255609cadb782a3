package dev.reelay.command.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.command.port.IdempotencyStore.RouteFamily;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.command.CancelTask;
import dev.reelay.kernel.command.DeleteTask;
import dev.reelay.kernel.command.RemixTask;
import dev.reelay.kernel.command.SubmitTask;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Instant;
import java.util.function.Function;

/**
 * The one write path behind both route families ({@code /api/video/*} and {@code /v1/videos}): a create is validated,
 * its image stored, run at most once per {@code Idempotency-Key}, submitted, and answered once the task's views show
 * it (ADR 0009); a remix the same way. A controller only reads its family's input and maps the typed result onto its
 * own response; that response is what an idempotent replay answers, so the mapping is handed in rather than applied
 * afterwards.
 */
@Component
class TaskWrites {

    /** A task that was just submitted. */
    record Created(VideoId videoId, TaskSpec spec, Instant createdAt) {
    }

    /** A remix that was just submitted, as the source task accepted it. */
    record Remixed(RemixTask.Accepted accepted, Instant createdAt) {
    }

    private final CommandGateway commands;
    private final TaskRequestValidator validator;
    private final IdempotencyKeys idempotencyKeys;
    private final WriteVisibility visibility;
    private final Clock clock;

    TaskWrites(CommandGateway commands, TaskRequestValidator validator, IdempotencyKeys idempotencyKeys,
               WriteVisibility visibility, Clock clock) {
        this.commands = commands;
        this.validator = validator;
        this.idempotencyKeys = idempotencyKeys;
        this.visibility = visibility;
        this.clock = clock;
    }

    ResponseEntity<String> create(RawTaskRequest raw, Owner caller, RouteFamily family, String idempotencyKey,
                                  Function<Created, ResponseEntity<?>> answer) {
        TaskSpec spec = validator.validate(raw);
        String owner = caller.value();
        return idempotencyKeys.once(family, owner, idempotencyKey, () -> "create|" + spec, () -> {
            VideoId videoId = VideoId.random();
            Instant now = clock.instant();
            // the quota hold and the slot are not waited for: GET /api/video/quota waits for the account (issue 16)
            sendAndShow(new SubmitTask(videoId, owner, spec, now), videoId);
            return answer.apply(new Created(videoId, spec, now));
        });
    }

    /** {@code model} null (or absent) keeps the source's model; the OpenAI route has no such field. */
    ResponseEntity<String> remix(VideoId source, JsonNode prompt, JsonNode model, Owner caller, boolean admin,
                                 RouteFamily family, String idempotencyKey, Function<Remixed, ResponseEntity<?>> answer) {
        String validPrompt = validator.validPrompt(prompt);
        String validModel = validator.validRemixModel(model);
        String owner = caller.value();
        return idempotencyKeys.once(family, owner, idempotencyKey,
                () -> "remix|" + source + "|" + validPrompt + "|" + validModel, () -> {
            VideoId remixId = VideoId.random();
            Instant now = clock.instant();
            RemixTask.Accepted accepted = sendAndShow(
                    new RemixTask(source, remixId, owner, admin, validPrompt, validModel, now), remixId);
            return answer.apply(new Remixed(accepted, now));
        });
    }

    /** Cancels the task and returns when it was cancelled. */
    Instant cancel(VideoId videoId, Owner caller, boolean admin, String reason) {
        Instant now = clock.instant();
        sendAndShow(new CancelTask(videoId, caller.value(), admin, reason, now), videoId);
        return now;
    }

    void delete(VideoId videoId, Owner caller, boolean admin) {
        sendAndShow(new DeleteTask(videoId, caller.value(), admin, clock.instant()), videoId);
    }

    /** An id that cannot exist is a 404 like any unknown task, never a 5xx. */
    static VideoId existingId(String raw) {
        if (!VideoId.isWellFormed(raw)) {
            throw TaskRejectedException.taskNotFound(raw);
        }
        return new VideoId(raw);
    }

    /** The caller's next read, on any node, sees this write: the answer waits (bounded) for the task's views. */
    private <R> R sendAndShow(Object command, VideoId shown) {
        R result = commands.sendAndWait(command);
        visibility.awaitVisible(shown);
        return result;
    }
}
