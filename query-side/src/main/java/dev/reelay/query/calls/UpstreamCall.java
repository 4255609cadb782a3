package dev.reelay.query.calls;

import org.springframework.jdbc.core.RowMapper;

import java.time.Instant;

/**
 * One call to a provider, as logged (request and response summaries are redacted when written); a call that got no
 * answer has no {@code httpStatus}, a success no {@code error}.
 */
public record UpstreamCall(long id, String videoId, String provider, String operation, Integer httpStatus,
                           long durationMs, int attempt, String error, String request, String response,
                           Instant calledAt) {

    static final String COLUMNS = "id, video_id, provider_id, operation, http_status, duration_ms, attempt, "
            + "error, request_summary, response_summary, called_at";

    static final RowMapper<UpstreamCall> ROWS = (rs, i) -> new UpstreamCall(rs.getLong("id"),
            rs.getString("video_id"), rs.getString("provider_id"), rs.getString("operation"),
            rs.getObject("http_status", Integer.class), rs.getLong("duration_ms"), rs.getInt("attempt"),
            rs.getString("error"), rs.getString("request_summary"), rs.getString("response_summary"),
            rs.getTimestamp("called_at").toInstant());
}
