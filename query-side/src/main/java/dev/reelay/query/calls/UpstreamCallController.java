package dev.reelay.query.calls;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.query.access.TaskAccess;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.util.List;

/** The upstream call log: per task for its owner, and across all tasks for admins. */
@RestController
class UpstreamCallController {

    private final UpstreamCallReads calls;
    private final TaskAccess access;
    private final Clock clock;

    UpstreamCallController(UpstreamCallReads calls, TaskAccess access, Clock clock) {
        this.calls = calls;
        this.access = access;
        this.clock = clock;
    }

    @GetMapping("/api/video/tasks/{videoId}/upstream-calls")
    SeedEnvelope<List<UpstreamCall>> forTask(@PathVariable String videoId, Owner caller, HttpServletRequest request) {
        long started = clock.millis();
        access.readable(videoId, caller, request, "the upstream calls");
        return SeedEnvelope.of(calls.forTask(videoId), clock.millis() - started);
    }

    @GetMapping("/api/admin/upstream-calls")
    SeedEnvelope<List<UpstreamCall>> all(@RequestParam(required = false) Long afterId,
                                         @RequestParam(defaultValue = "100") int limit) {
        long started = clock.millis();
        if (limit < 1 || limit > 500) {
            throw TaskRejectedException.invalidField("limit", "RANGE", "limit must be 1-500");
        }
        return SeedEnvelope.of(calls.after(afterId == null ? 0 : afterId, limit), clock.millis() - started);
    }
}
