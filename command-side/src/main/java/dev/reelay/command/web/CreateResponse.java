package dev.reelay.command.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.ReferenceImage;
import dev.reelay.kernel.task.TaskStatus;

import java.time.Instant;

/**
 * The seed backend's create answer (the {@code data} of its envelope): the task as it was queued, with the settled
 * defaults, so the frontend shows it without a second read. {@code referenceImage} is absent when none was sent.
 */
record CreateResponse(String videoId, TaskStatus status, Instant createdAt, String prompt, String model, String size,
                      int seconds, MediaType mediaType,
                      @JsonInclude(JsonInclude.Include.NON_NULL) Image referenceImage) {

    /** The stored image by content: its hash, detected type and size; the bytes are never echoed. */
    record Image(String sha256, String contentType, long bytes) {
    }

    static CreateResponse of(TaskWrites.Created created) {
        ReferenceImage image = created.spec().referenceImage();
        return new CreateResponse(created.videoId().value(), TaskStatus.QUEUED, created.createdAt(),
                created.spec().prompt(), created.spec().model(), created.spec().size(), created.spec().seconds(),
                created.spec().mediaType(),
                image == null ? null : new Image(image.sha256(), image.contentType(), image.sizeBytes()));
    }
}
