package dev.reelay.query.stats;

import dev.reelay.kernel.account.OwnerScope;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.task.TaskRejectedException;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Task statistics over the caller's tasks created in {@code [from, to)}. {@code all=true} widens them to every owner
 * for admins only; anyone else asking for it still gets their own (never a 403), and {@code scope} says which it was.
 * Counts are exact; the percentiles of seconds to complete are approximate ({@code secondsToComplete.approximate}).
 */
@RestController
class StatsController {

    private static final Logger audit = LoggerFactory.getLogger("reelay.audit");

    private final StatsQueries queries;

    StatsController(StatsQueries queries) {
        this.queries = queries;
    }

    @GetMapping("/api/video/stats")
    Map<String, Object> stats(Owner caller, HttpServletRequest request,
                              @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
                              @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
                              @RequestParam(defaultValue = "false") boolean all) {
        long started = System.currentTimeMillis();
        if (from != null && to != null && !from.isBefore(to)) {
            throw TaskRejectedException.invalidField("to", "RANGE", "to must be after from");
        }
        boolean everyone = all && request.isUserInRole("admin");
        if (everyone) {
            audit.info("admin {} read the statistics of all owners", caller);
        }
        StatsQueries.Stats stats = queries.stats(new StatsQueries.Scope(everyone ? OwnerScope.everyone() : OwnerScope.only(caller), from, to));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("scope", everyone ? "all" : "own");
        data.put("from", from);
        data.put("to", to);
        data.put("total", stats.total());
        data.put("byStatus", stats.byStatus());
        data.put("byModel", stats.byModel());
        data.put("byProvider", stats.byProvider());
        data.put("successRate", stats.successRate());
        Map<String, Object> seconds = new LinkedHashMap<>();
        seconds.put("p50", stats.secondsToComplete().p50());
        seconds.put("p95", stats.secondsToComplete().p95());
        seconds.put("samples", stats.secondsToComplete().samples());
        // estimated from fixed buckets whose bounds differ by at most x1.28 (SecondsHistogram)
        seconds.put("approximate", true);
        data.put("secondsToComplete", seconds);
        List<Map<String, Object>> perDay = stats.perDay().stream()
                .map(d -> {
                    Map<String, Object> day = new LinkedHashMap<>();
                    day.put("day", d.day().toString());
                    day.put("count", d.count());
                    return day;
                })
                .toList();
        data.put("perDay", perDay);
        data.put("spend", stats.spend().stream().map(spend -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("owner", spend.owner());
            row.put("model", spend.model());
            row.put("tasks", spend.tasks());
            row.put("seconds", spend.seconds());
            row.put("videoSeconds", spend.videoSeconds());
            return row;
        }).toList());
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("success", true);
        envelope.put("data", data);
        envelope.put("requestTime", System.currentTimeMillis() - started);
        return envelope;
    }
}
