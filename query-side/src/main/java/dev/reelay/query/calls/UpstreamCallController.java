package dev.reelay.query.calls;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.query.access.TaskAccess;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/** The upstream call log: per task for its owner, and across all tasks for admins. */
@RestController
class UpstreamCallController {

    private static final String COLUMNS = "id, video_id, provider_id, operation, http_status, duration_ms, attempt, "
            + "error, request_summary, response_summary, called_at";

    /** One call to a provider; a call that got no answer has no {@code httpStatus}, a success no {@code error}. */
    record UpstreamCall(long id, String videoId, String provider, String operation, Integer httpStatus,
                        long durationMs, int attempt, String error, String request, String response,
                        Instant calledAt) {

        static final RowMapper<UpstreamCall> ROWS = (rs, i) -> new UpstreamCall(rs.getLong("id"),
                rs.getString("video_id"), rs.getString("provider_id"), rs.getString("operation"),
                rs.getObject("http_status", Integer.class), rs.getLong("duration_ms"), rs.getInt("attempt"),
                rs.getString("error"), rs.getString("request_summary"), rs.getString("response_summary"),
                rs.getTimestamp("called_at").toInstant());
    }

    private final JdbcTemplate jdbc;
    private final TaskAccess access;
    private final Clock clock;

    UpstreamCallController(JdbcTemplate jdbc, TaskAccess access, Clock clock) {
        this.jdbc = jdbc;
        this.access = access;
        this.clock = clock;
    }

    @GetMapping("/api/video/tasks/{videoId}/upstream-calls")
    SeedEnvelope<List<UpstreamCall>> forTask(@PathVariable String videoId, Owner caller, HttpServletRequest request) {
        long started = clock.millis();
        access.readable(videoId, caller, request, "the upstream calls");
        List<UpstreamCall> calls = jdbc.query(
                "select " + COLUMNS + " from upstream_call where video_id = ? order by id", UpstreamCall.ROWS, videoId);
        return SeedEnvelope.of(calls, clock.millis() - started);
    }

    @GetMapping("/api/admin/upstream-calls")
    SeedEnvelope<List<UpstreamCall>> all(@RequestParam(required = false) Long afterId,
                                         @RequestParam(defaultValue = "100") int limit) {
        long started = clock.millis();
        if (limit < 1 || limit > 500) {
            throw TaskRejectedException.invalidField("limit", "RANGE", "limit must be 1-500");
        }
        List<UpstreamCall> calls = jdbc.query(
                "select " + COLUMNS + " from upstream_call where id > ? order by id limit ?", UpstreamCall.ROWS,
                afterId == null ? 0 : afterId, limit);
        return SeedEnvelope.of(calls, clock.millis() - started);
    }
}
