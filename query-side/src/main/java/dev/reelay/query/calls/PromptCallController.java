package dev.reelay.query.calls;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.query.paging.OpaqueCursor;
import dev.reelay.query.paging.SqlFilters;
import dev.reelay.kernel.time.InstantRange;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The prompt assistant's call log (ADR 0013): a user's own calls, and everyone's for admins with filters. Newest
 * first, in keyset pages ({@code nextCursor}, an {@link OpaqueCursor} of the last row's time and id).
 */
@RestController
class PromptCallController {

    private static final String CURSOR = "cursor";
    private static final Set<String> MODES = Set.of("enhance", "translate", "shorten");
    private static final Set<String> STATUSES = Set.of("success", "error");

    private final NamedParameterJdbcTemplate jdbc;
    private final ObjectMapper json;
    private final Clock clock;

    PromptCallController(NamedParameterJdbcTemplate jdbc, ObjectMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    /** One chat message as it was sent. */
    record Message(String role, String content) {
    }

    /**
     * One call: what was sent and answered, how it ended ({@code success}/{@code error}, the upstream's last HTTP
     * status, the error), the tokens the model reported, attempts, duration, trace id, and the row's SHA-256
     * ({@code digest}, also carried by the call's token settlement event).
     */
    record PromptCall(String id, String owner, String mode, String language, String model, List<Message> messages,
                      String response, String status, Integer httpStatus, String error, Long promptTokens,
                      Long completionTokens, Long totalTokens, int attempts, long durationMs, String traceId,
                      Instant calledAt, String digest) {
    }

    record CallPage(List<PromptCall> items, @JsonInclude(JsonInclude.Include.ALWAYS) String nextCursor) {
    }

    @GetMapping("/api/prompt/calls")
    SeedEnvelope<CallPage> own(Owner caller, @RequestParam(required = false) String cursor,
                               @RequestParam(defaultValue = "50") int limit) {
        long started = clock.millis();
        return SeedEnvelope.of(page(new Filter(caller.value(), null, null, null, null, null), cursor, limit),
                clock.millis() - started);
    }

    @GetMapping("/api/admin/prompt/calls")
    SeedEnvelope<CallPage> all(@RequestParam(required = false) String owner,
                               @RequestParam(required = false) String mode,
                               @RequestParam(required = false) String status,
                               @RequestParam(required = false) String model,
                               @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
                               @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
                               @RequestParam(required = false) String cursor,
                               @RequestParam(defaultValue = "50") int limit) {
        long started = clock.millis();
        if (mode != null && !MODES.contains(mode.toLowerCase(Locale.ROOT))) {
            throw TaskRejectedException.invalidField("mode", "UNKNOWN_MODE", "mode must be enhance, translate or shorten");
        }
        if (status != null && !STATUSES.contains(status.toLowerCase(Locale.ROOT))) {
            throw TaskRejectedException.invalidField("status", "UNKNOWN_STATUS", "status must be success or error");
        }
        if (from != null && to != null && !from.isBefore(to)) {
            throw TaskRejectedException.invalidField("to", "RANGE", "to must be after from");
        }
        Filter filter = new Filter(owner, mode == null ? null : mode.toLowerCase(Locale.ROOT),
                status == null ? null : status.toLowerCase(Locale.ROOT), model, from, to);
        return SeedEnvelope.of(page(filter, cursor, limit), clock.millis() - started);
    }

    private record Filter(String owner, String mode, String status, String model, Instant from, Instant to) {
    }

    private CallPage page(Filter filter, String cursor, int limit) {
        if (limit < 1 || limit > 500) {
            throw TaskRejectedException.invalidField("limit", "RANGE", "limit must be 1-500");
        }
        StringBuilder where = new StringBuilder(" where true");
        MapSqlParameterSource params = new MapSqlParameterSource("limit", limit + 1);
        SqlFilters.addEquals(where, params, "owner", filter.owner());
        SqlFilters.addEquals(where, params, "mode", filter.mode());
        SqlFilters.addEquals(where, params, "status", filter.status());
        SqlFilters.addEquals(where, params, "model", filter.model());
        if (filter.from() != null) {
            where.append(" and called_at >= :from");
            params.addValue("from", Timestamp.from(filter.from()));
        }
        if (filter.to() != null) {
            where.append(" and called_at < :to");
            params.addValue("to", Timestamp.from(filter.to()));
        }
        if (cursor != null) {
            OpaqueCursor.Reader parts = OpaqueCursor.decode(cursor, 3, CURSOR);
            Instant at = parts.instant();
            String id = parts.text();
            if (!InstantRange.contains(at)) { // a time SQL cannot hold names no row
                throw OpaqueCursor.malformed(CURSOR);
            }
            where.append(" and (called_at, id) < (:cursorAt, :cursorId)");
            params.addValue("cursorAt", Timestamp.from(at)).addValue("cursorId", id);
        }
        List<PromptCall> rows = new ArrayList<>(jdbc.query("select * from prompt_call" + where
                + " order by called_at desc, id desc limit :limit", params, (rs, i) -> call(rs)));
        String next = null;
        if (rows.size() > limit) {
            rows.remove(rows.size() - 1);
            PromptCall last = rows.get(rows.size() - 1);
            next = OpaqueCursor.of().add(last.calledAt()).add(last.id()).encode();
        }
        return new CallPage(rows, next);
    }

    private PromptCall call(ResultSet rs) throws SQLException {
        Long prompt = rs.getObject("prompt_tokens", Long.class);
        Long completion = rs.getObject("completion_tokens", Long.class);
        return new PromptCall(rs.getString("id"), rs.getString("owner"), rs.getString("mode"), rs.getString("language"),
                rs.getString("model"), messages(rs.getString("request_messages")), rs.getString("response_text"),
                rs.getString("status"), rs.getObject("http_status", Integer.class), rs.getString("error"), prompt,
                completion, prompt == null && completion == null ? null : (prompt == null ? 0 : prompt)
                        + (completion == null ? 0 : completion),
                rs.getInt("attempts"), rs.getLong("duration_ms"), rs.getString("trace_id"),
                rs.getTimestamp("called_at").toInstant(), rs.getString("digest"));
    }

    private List<Message> messages(String text) {
        try {
            return json.readValue(text, new TypeReference<List<Message>>() { });
        } catch (IOException e) {
            throw new IllegalStateException("a prompt_call row holds messages that are not JSON", e);
        }
    }
}
