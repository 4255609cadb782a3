package dev.reelay.query.stats;

import dev.reelay.kernel.account.OwnerScope;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.query.access.TaskAccess;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.time.Instant;
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
    private final Clock clock;

    StatsController(StatsQueries queries, Clock clock) {
        this.queries = queries;
        this.clock = clock;
    }

    /** {@code scope} is {@code all} or {@code own}; a rate with nothing finished to rate is left out. */
    record Statistics(String scope, Instant from, Instant to, long total, Map<String, Long> byStatus,
                      Map<String, Long> byModel, Map<String, Long> byProvider, Double successRate,
                      SecondsToComplete secondsToComplete, List<StatsQueries.Day> perDay,
                      List<StatsQueries.Spend> spend, List<StatsQueries.TokenSpend> tokenSpend) {
    }

    /**
     * Always {@code approximate}: estimated from fixed buckets whose bounds differ by at most x1.28
     * ({@link SecondsHistogram}).
     */
    record SecondsToComplete(Double p50, Double p95, long samples, boolean approximate) {
    }

    @GetMapping("/api/video/stats")
    SeedEnvelope<Statistics> stats(Owner caller, HttpServletRequest request,
                                   @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
                                   @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
                                   @RequestParam(defaultValue = "false") boolean all) {
        long started = clock.millis();
        if (from != null && to != null && !from.isBefore(to)) {
            throw TaskRejectedException.invalidField("to", "RANGE", "to must be after from");
        }
        boolean everyone = all && TaskAccess.isAdmin(request);
        if (everyone) {
            audit.info("admin {} read the statistics of all owners", caller);
        }
        StatsQueries.Stats stats = queries.stats(new StatsQueries.Scope(
                everyone ? OwnerScope.everyone() : OwnerScope.only(caller), from, to));
        StatsQueries.Percentiles seconds = stats.secondsToComplete();
        Statistics data = new Statistics(everyone ? "all" : "own", from, to, stats.total(), stats.byStatus(),
                stats.byModel(), stats.byProvider(), stats.successRate(),
                new SecondsToComplete(seconds.p50(), seconds.p95(), seconds.samples(), true), stats.perDay(),
                stats.spend(), stats.tokenSpend());
        return SeedEnvelope.of(data, clock.millis() - started);
    }
}
