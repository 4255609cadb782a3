package dev.reelay.query.tasks;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.OpenAiVideo;
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

import java.util.List;

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
    OpenAiVideo retrieve(@PathVariable String videoId, Owner caller, HttpServletRequest request) {
        return OpenAiVideos.of(visible(videoId, caller, request, "the video"));
    }

    @GetMapping("/v1/videos")
    OpenAiVideos.Page list(Owner caller, HttpServletRequest request,
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
        return OpenAiVideos.Page.of(more ? rows.subList(0, limit) : rows, more);
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
}
