package dev.reelay.query.calls;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.util.List;

/** Reads of the provider call log: one task's calls (its route and the audit export), and all calls by id. */
@Component
public class UpstreamCallReads {

    private final JdbcTemplate jdbc;

    UpstreamCallReads(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The task's calls in the order they were made. */
    public List<UpstreamCall> forTask(String videoId) {
        return jdbc.query("select " + UpstreamCall.COLUMNS + " from upstream_call where video_id = ? order by id",
                UpstreamCall.ROWS, videoId);
    }

    List<UpstreamCall> after(long afterId, int limit) {
        return jdbc.query("select " + UpstreamCall.COLUMNS + " from upstream_call where id > ? order by id limit ?",
                UpstreamCall.ROWS, afterId, limit);
    }
}
