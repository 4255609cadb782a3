package dev.reelay.query.tasks;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.reelay.kernel.api.OpenAiVideo;
import dev.reelay.kernel.task.TaskStatus;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The one mapping of a task view onto the OpenAI video object, for every {@code /v1} read. */
final class OpenAiVideos {

    private OpenAiVideos() {
    }

    /**
     * The OpenAI spec knows no cancelled or expired video: both are {@code failed}, a cancel with the code
     * {@code cancelled}. Error codes are lower case there.
     */
    static OpenAiVideo of(TaskView v) {
        String status = switch (v.status) {
            case QUEUED -> "queued";
            case PROCESSING -> "in_progress";
            case COMPLETED -> "completed";
            case FAILED, CANCELLED, EXPIRED -> "failed";
        };
        OpenAiVideo.Error error = v.status == TaskStatus.CANCELLED
                ? new OpenAiVideo.Error("cancelled", v.errorMessage == null ? "cancelled" : v.errorMessage)
                : v.errorCode == null ? null
                : new OpenAiVideo.Error(v.errorCode.toLowerCase(Locale.ROOT),
                        v.errorMessage == null ? "" : v.errorMessage);
        return new OpenAiVideo(v.videoId, OpenAiVideo.OBJECT, status, v.progress, v.createdAt.getEpochSecond(),
                epoch(v.completedAt), epoch(v.contentExpiresAt), v.model, v.prompt, v.size, String.valueOf(v.seconds),
                v.remixFrom, error);
    }

    private static Long epoch(Instant instant) {
        return instant == null ? null : instant.getEpochSecond();
    }

    /** A page of {@code GET /v1/videos}; like the video object, every field is written, nulls included. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Page(String object, List<OpenAiVideo> data, @JsonProperty("first_id") String firstId,
                @JsonProperty("last_id") String lastId, @JsonProperty("has_more") boolean hasMore) {

        static Page of(List<TaskView> rows, boolean more) {
            return new Page("list", rows.stream().map(OpenAiVideos::of).toList(),
                    rows.isEmpty() ? null : rows.get(0).videoId,
                    rows.isEmpty() ? null : rows.get(rows.size() - 1).videoId, more);
        }
    }
}
