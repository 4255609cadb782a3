package dev.reelay.kernel.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;

/**
 * The OpenAI Videos API's video object. The write routes answer with a freshly queued one; the read routes map a task
 * view onto it. Every field is written, nulls included, as the OpenAI SDKs expect.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record OpenAiVideo(String id, String object, String status, int progress,
                          @JsonProperty("created_at") long createdAt,
                          @JsonProperty("completed_at") Long completedAt,
                          @JsonProperty("expires_at") Long expiresAt,
                          String model, String prompt, String size, String seconds,
                          @JsonProperty("remixed_from_video_id") String remixedFromVideoId,
                          Error error) {

    public static final String OBJECT = "video";

    /** {@code error} of a failed video: a lower-case code and a message. */
    public record Error(String code, String message) {
    }

    /** A video that was just accepted: {@code queued}, no progress, nothing finished yet. */
    public static OpenAiVideo queued(String id, Instant createdAt, String model, String prompt, String size,
                                     Integer seconds, String remixedFrom) {
        return new OpenAiVideo(id, OBJECT, "queued", 0, createdAt.getEpochSecond(), null, null, model, prompt, size,
                seconds == null ? null : String.valueOf(seconds), remixedFrom, null);
    }

    /** The answer of {@code DELETE /v1/videos/{id}}. */
    public record Deleted(String id, String object, boolean deleted) {
        public static Deleted of(String id) {
            return new Deleted(id, "video.deleted", true);
        }
    }
}
