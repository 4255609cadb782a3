package dev.reelay.query.calls;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.query.access.TaskAccess;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Map;

/** The upstream call log: per task for its owner, and across all tasks for admins. */
@RestController
class UpstreamCallController {

    private static final String COLUMNS = "id, video_id as \"videoId\", provider_id as \"provider\", operation, "
            + "http_status as \"httpStatus\", duration_ms as \"durationMs\", attempt, error, "
            + "request_summary as \"request\", response_summary as \"response\", called_at as \"calledAt\"";

    private final JdbcTemplate jdbc;
    private final TaskAccess access;

    UpstreamCallController(JdbcTemplate jdbc, TaskAccess access) {
        this.jdbc = jdbc;
        this.access = access;
    }

    @GetMapping("/api/video/tasks/{videoId}/upstream-calls")
    Map<String, Object> forTask(@PathVariable String videoId, Owner caller, HttpServletRequest request) {
        access.readable(videoId, caller, request, "the upstream calls");
        return Map.of("success", true, "data", jdbc.queryForList(
                "select " + COLUMNS + " from upstream_call where video_id = ? order by id", videoId));
    }

    @GetMapping("/api/admin/upstream-calls")
    Map<String, Object> all(@RequestParam(required = false) Long afterId, @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > 500) {
            throw TaskRejectedException.invalidField("limit", "RANGE", "limit must be 1-500");
        }
        return Map.of("success", true, "data", jdbc.queryForList(
                "select " + COLUMNS + " from upstream_call where id > ? order by id limit ?", afterId == null ? 0 : afterId, limit));
    }
}
