package dev.reelay.query.tasks;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.text.VisibleText;
import dev.reelay.query.access.TaskAccess;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The OpenAI Videos API's read routes over the same task views, scoped the same way. */
@RestController
class OpenAiVideoQueryController {

    private final TaskQueries queries;
    private final TaskAccess access;

    OpenAiVideoQueryController(TaskQueries queries, TaskAccess access) {
        this.queries = queries;
        this.access = access;
    }

    @GetMapping("/v1/videos/{videoId}")
    Map<String, Object> retrieve(@PathVariable String videoId, Owner caller, HttpServletRequest request) {
        return video(visible(videoId, caller, request, "the video"));
    }

    @GetMapping("/v1/videos")
    Map<String, Object> list(Owner caller, HttpServletRequest request,
                             @RequestParam(required = false) String after,
                             @RequestParam(defaultValue = "20") int limit,
                             @RequestParam(defaultValue = "desc") String order) {
        if (limit < 1 || limit > 100) {
            throw TaskRejectedException.invalidField("limit", "RANGE", "limit must be between 1 and 100");
        }
        if (!order.equals("asc") && !order.equals("desc")) {
            throw TaskRejectedException.invalidField("order", "ENUM", "order must be asc or desc");
        }
        TaskView cursor = after == null ? null : visible(after, caller, request, "the list position");
        List<TaskView> rows = queries.openAiPage(caller, cursor, order.equals("asc"), limit + 1);
        boolean more = rows.size() > limit;
        List<TaskView> page = more ? rows.subList(0, limit) : rows;
        Map<String, Object> list = new LinkedHashMap<>();
        list.put("object", "list");
        list.put("data", page.stream().map(OpenAiVideoQueryController::video).toList());
        list.put("first_id", page.isEmpty() ? null : page.get(0).videoId);
        list.put("last_id", page.isEmpty() ? null : page.get(page.size() - 1).videoId);
        list.put("has_more", more);
        return list;
    }

    /**
     * The task if the caller may read it, in the OpenAI API's own words when not: an expired video is gone there
     * (its content was deleted), so it is "not found" like an unknown id.
     */
    private TaskView visible(String videoId, Owner caller, HttpServletRequest request, String purpose) {
        return access.visibleOwner(videoId, caller, request, purpose)
                .flatMap(owner -> queries.find(videoId))
                .filter(v -> v.status != TaskStatus.EXPIRED)
                .orElseThrow(() -> new TaskRejectedException(ErrorCode.TASK_NOT_FOUND,
                        "No video found with id " + VisibleText.abbreviate(videoId, 80)));
    }

    /** The video object as the OpenAI spec defines it; a cancelled task is {@code failed} with code {@code cancelled}. */
    static Map<String, Object> video(TaskView v) {
        Map<String, Object> video = new LinkedHashMap<>();
        video.put("id", v.videoId);
        video.put("object", "video");
        video.put("status", switch (v.status) {
            case QUEUED -> "queued";
            case PROCESSING -> "in_progress";
            case COMPLETED -> "completed";
            case FAILED, CANCELLED, EXPIRED -> "failed";
        });
        video.put("progress", v.progress);
        video.put("created_at", v.createdAt.getEpochSecond());
        video.put("completed_at", epoch(v.completedAt));
        video.put("expires_at", epoch(v.contentExpiresAt));
        video.put("model", v.model);
        video.put("prompt", v.prompt);
        video.put("size", v.size);
        video.put("seconds", String.valueOf(v.seconds));
        video.put("remixed_from_video_id", v.remixFrom);
        if (v.status == TaskStatus.CANCELLED) {
            video.put("error", Map.of("code", "cancelled", "message", v.errorMessage == null ? "cancelled" : v.errorMessage));
        } else if (v.errorCode != null) {
            video.put("error", Map.of("code", v.errorCode.toLowerCase(), "message", v.errorMessage == null ? "" : v.errorMessage));
        } else {
            video.put("error", null);
        }
        return video;
    }

    private static Long epoch(Instant instant) {
        return instant == null ? null : instant.getEpochSecond();
    }
}
