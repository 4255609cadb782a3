package dev.reelay.infra.provider;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.reelay.command.upstream.UpstreamJob;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.text.VisibleText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;

/**
 * Appends one row per provider HTTP call (the seed backend's call log): who, what, status, duration, attempt, error,
 * and redacted summaries. Written off the HTTP event loop; a failed log write never fails the call.
 */
@Component
class UpstreamCallLog {

    private static final Logger log = LoggerFactory.getLogger(UpstreamCallLog.class);
    private static final int MAX_SUMMARY = 2000;

    private final JdbcTemplate jdbc;
    private final Clock clock;

    UpstreamCallLog(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    record Call(String videoId, String providerId, String operation, Integer httpStatus, long durationMs, int attempt,
                String error, String requestSummary, String responseSummary) {
    }

    /** What a create sent, without the prompt itself: prompts are user content, their length is enough to debug. */
    record CreateSummary(String model, String size, int seconds, @JsonProperty("prompt_chars") int promptChars,
                         @JsonProperty("input_reference") boolean inputReference) {
        static CreateSummary of(TaskSpec spec, boolean image) {
            return new CreateSummary(spec.model(), spec.size(), spec.seconds(), spec.prompt().length(), image);
        }
    }

    /** What a remix sent: its source job, the model and the prompt's length. */
    record RemixSummary(String source, String model, @JsonProperty("prompt_chars") int promptChars) {
        static RemixSummary of(String sourceExternalId, TaskSpec spec) {
            return new RemixSummary(sourceExternalId, spec.model(), spec.prompt().length());
        }
    }

    /** What a routing decision was about. */
    record RouteRequest(String model, String size, int seconds, boolean image) {
    }

    /** One provider routing considered: its priority, its price for the request, its recent health. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RouteCandidate(String id, int priority, @JsonProperty("price_per_second") java.math.BigDecimal pricePerSecond,
                          @JsonProperty("recent_failures") int recentFailures,
                          @JsonProperty("rate_limited_until") java.time.Instant rateLimitedUntil) {
    }

    /** The providers in the order they will be tried, and why the first one leads. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RouteChoice(List<RouteCandidate> order, String reason) {
    }

    /** The job a read or a delete was about. */
    record JobRef(String id) {
    }

    /**
     * What a provider said about a job; the error code, queue place and the tail of the provider's logs only when
     * there are any. Logs go here, never into events.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record JobSummary(String id, UpstreamJob.State status, int progress, String error,
                      @JsonProperty("queue_position") Integer queuePosition, String logs) {
        static JobSummary of(UpstreamJob job) {
            return of(job, null);
        }

        static JobSummary of(UpstreamJob job, String logs) {
            return new JobSummary(job.externalTaskId(), job.state(), job.progress(), job.errorCode(), job.queuePosition(),
                    logs == null || logs.isBlank() ? null : tail(logs));
        }

        private static String tail(String logs) {
            String trimmed = logs.strip();
            return trimmed.length() <= MAX_LOGS ? trimmed : "…" + trimmed.substring(trimmed.length() - MAX_LOGS);
        }
    }

    /** How much of a provider's log text a call-log row keeps (its end: the latest lines). */
    static final int MAX_LOGS = 600;

    void record(Call call) {
        Timestamp at = Timestamp.from(clock.instant());
        Mono.fromRunnable(() -> jdbc.update("insert into upstream_call(video_id, provider_id, operation, http_status, "
                                + "duration_ms, attempt, error, request_summary, response_summary, called_at) "
                                + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        call.videoId(), call.providerId(), call.operation(), call.httpStatus(), call.durationMs(),
                        call.attempt(), cut(call.error()), cut(call.requestSummary()), cut(call.responseSummary()), at))
                .subscribeOn(Schedulers.boundedElastic())
                .doOnError(e -> log.warn("could not write the upstream call log: {}", e.getMessage()))
                .onErrorResume(e -> Mono.empty())
                .subscribe();
    }

    private static String cut(String value) {
        return VisibleText.abbreviate(value, MAX_SUMMARY);
    }
}
