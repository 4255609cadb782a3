package dev.reelay.command.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.reelay.kernel.command.RemixTask;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskStatus;

import java.time.Instant;

/**
 * The seed backend's remix answer ({@code videoId, externalTaskId, status, message, remixed_from}) plus the task view's
 * {@code metadata} and the remix's own fields. Every field is written, nulls included: {@code externalTaskId} is null
 * until the provider accepts the job. {@code status} is upper case like every other seed route.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
record RemixResponse(String videoId, String externalTaskId, TaskStatus status, String message,
                     @JsonProperty("remixed_from") String remixedFrom, Instant createdAt, String prompt, String model,
                     String size, int seconds, MediaType mediaType, Metadata metadata) {

    /**
     * The same shape as the task view's {@code metadata}: the seed backend's {@code externalTaskId}, {@code type},
     * {@code remix_from} and {@code remix_from_external}, and Reelay's {@code root} and {@code depth} of the lineage.
     */
    record Metadata(@JsonInclude(JsonInclude.Include.ALWAYS) String externalTaskId, String type,
                    @JsonProperty("remix_from") String remixFrom,
                    @JsonProperty("remix_from_external") String remixFromExternal, String root, Integer depth) {
    }

    static RemixResponse of(RemixTask.Accepted accepted, Instant createdAt) {
        String id = accepted.remixVideoId().value();
        String source = accepted.lineage().source().value();
        return new RemixResponse(id, null, TaskStatus.QUEUED,
                "Remix of " + source + " submitted as " + id + "; it is queued for the provider that made the source.",
                source, createdAt, accepted.spec().prompt(), accepted.spec().model(), accepted.spec().size(),
                accepted.spec().seconds(), accepted.spec().mediaType(),
                new Metadata(null, "remix", source, accepted.sourceExternalTaskId(),
                        accepted.lineage().root().value(), accepted.lineage().depth()));
    }
}
