package dev.reelay.infra.provider;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.sql.Timestamp;
import java.time.Instant;

/**
 * Appends one row per provider HTTP call (the seeds' call log): who, what, status, duration, attempt, error, and
 * redacted summaries. Written off the HTTP event loop; a failed log write never fails the call.
 */
@Component
class UpstreamCallLog {

    private static final Logger log = LoggerFactory.getLogger(UpstreamCallLog.class);
    private static final int MAX_SUMMARY = 2000;

    private final JdbcTemplate jdbc;

    UpstreamCallLog(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    record Call(String videoId, String providerId, String operation, Integer httpStatus, long durationMs, int attempt,
                String error, String requestSummary, String responseSummary, Instant at) {
    }

    void record(Call call) {
        Mono.fromRunnable(() -> jdbc.update("insert into upstream_call(video_id, provider_id, operation, http_status, "
                                + "duration_ms, attempt, error, request_summary, response_summary, called_at) "
                                + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        call.videoId(), call.providerId(), call.operation(), call.httpStatus(), call.durationMs(),
                        call.attempt(), cut(call.error()), cut(call.requestSummary()), cut(call.responseSummary()),
                        Timestamp.from(call.at())))
                .subscribeOn(Schedulers.boundedElastic())
                .doOnError(e -> log.warn("could not write the upstream call log: {}", e.getMessage()))
                .onErrorResume(e -> Mono.empty())
                .subscribe();
    }

    private static String cut(String value) {
        return value == null || value.length() <= MAX_SUMMARY ? value : value.substring(0, MAX_SUMMARY);
    }
}
