package dev.reelay.query.lineage;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.util.List;

/**
 * Reads of {@code task_lineage} joined to {@code task_view}: a task's ancestors in one query, its whole subtree in
 * another, whatever the depth. Both walk an index (the primary key for a subtree, the descendant index for ancestors).
 */
@Component
@Transactional(readOnly = true)
class LineageQueries {

    private static final String COLUMNS = "v.video_id, v.owner, v.lineage_kind, v.remix_from, v.root_id, "
            + "v.depth as tree_depth, v.status, v.prompt, l.depth as distance";

    private static final RowMapper<Row> ROW = (rs, i) -> new Row(rs.getString("video_id"), rs.getString("owner"),
            rs.getString("lineage_kind"), rs.getString("remix_from"), rs.getString("root_id"), rs.getInt("tree_depth"),
            rs.getString("status"), rs.getString("prompt"), rs.getInt("distance"));

    private final NamedParameterJdbcTemplate jdbc;

    LineageQueries(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * One task of a lineage. {@code treeDepth} is its depth below the root of its tree (root 0); {@code distance} is
     * how many levels it is from the task asked about.
     */
    record Row(String videoId, String owner, String lineageKind, String remixFrom, String rootId, int treeDepth,
               String status, String prompt, int distance) {
    }

    /** The task itself (distance 0) and everything derived from it, shallowest first, then oldest first; at most {@code limit}. */
    List<Row> subtree(String videoId, int limit) {
        return jdbc.query("select " + COLUMNS + " from task_lineage l join task_view v on v.video_id = l.descendant_id "
                        + "where l.ancestor_id = :id order by l.depth, v.created_at, v.video_id limit :limit",
                new MapSqlParameterSource("id", videoId).addValue("limit", limit), ROW);
    }

    /** What the task derives from, the root first (the task itself excluded). */
    List<Row> ancestors(String videoId) {
        return jdbc.query("select " + COLUMNS + " from task_lineage l join task_view v on v.video_id = l.ancestor_id "
                        + "where l.descendant_id = :id and l.depth > 0 order by l.depth desc",
                new MapSqlParameterSource("id", videoId), ROW);
    }
}
