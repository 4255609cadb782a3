package dev.reelay.query.tasks;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskStatus;

import java.time.Instant;

/**
 * One task as the seed read routes show it (one task, list items): the seed backend's field names, nulls written (a
 * client reads {@code externalTaskId: null} until the provider accepts), {@code queue} only while queued (in Reelay,
 * or at a provider that reports its queue place) and {@code error} only after a failure or cancel.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
record TaskRepresentation(String videoId, String externalTaskId, TaskStatus status, int progress, String prompt,
                          String model, String size, int seconds, MediaType mediaType, String provider, String videoUrl,
                          String thumbnailUrl,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Queue queue,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Failure error,
                          Instant createdAt, Instant updatedAt, Instant completedAt, Metadata metadata) {

    /** Where a queued task waits: in Reelay for one of its owner's slots (with its place), or at the provider (with its place, if it reports one). */
    record Queue(String waitingIn, Long position) {
    }

    record Failure(String code, String message) {
    }

    /**
     * The seed backend's free-form metadata as Reelay fills it: {@code externalTaskId} (always written), {@code type}
     * ({@code generation} or {@code remix}); for a remix {@code remix_from}, {@code remix_from_external} (the source's
     * provider id, once it has one) and Reelay's {@code root} and {@code depth} of the lineage.
     */
    record Metadata(@JsonInclude(JsonInclude.Include.ALWAYS) String externalTaskId, String type,
                    @JsonProperty("remix_from") String remixFrom,
                    @JsonProperty("remix_from_external") String remixFromExternal, String root, Integer depth) {
    }

    /**
     * @param queuePosition the task's place in its owner's queue, for a task waiting in Reelay (else null)
     * @param remixFromExternal the remix source's provider id, or null
     * @param videoUrl a signed content link, null unless the task completed
     * @param thumbnailUrl the same for the thumbnail
     */
    static TaskRepresentation of(TaskView v, Long queuePosition, String remixFromExternal, String videoUrl,
                                 String thumbnailUrl) {
        Queue queue = v.status == TaskStatus.PROCESSING && v.providerQueuePosition != null
                // accepted, and still waiting in the provider's own queue at the place it reported
                ? new Queue("provider", v.providerQueuePosition.longValue())
                : v.status != TaskStatus.QUEUED ? null
                // waiting in Reelay for one of the owner's concurrency slots, or already on its way to / queued at a provider
                : v.queuedSeq != null ? new Queue("reelay", queuePosition) : new Queue("provider", null);
        Failure error = v.errorCode == null ? null
                : new Failure(v.errorCode, v.errorMessage == null ? "" : v.errorMessage);
        boolean remix = v.remixFrom != null;
        Metadata metadata = new Metadata(v.externalTaskId, remix ? "remix" : "generation", v.remixFrom,
                remix ? remixFromExternal : null, remix ? v.rootId : null, remix ? v.depth : null);
        return new TaskRepresentation(v.videoId, v.externalTaskId, v.status, v.progress, v.prompt, v.model, v.size,
                v.seconds, v.mediaType, v.providerId,
                videoUrl, thumbnailUrl, queue, error, v.createdAt, v.updatedAt, v.completedAt, metadata);
    }
}
