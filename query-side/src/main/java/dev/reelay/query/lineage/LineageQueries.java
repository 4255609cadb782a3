package dev.reelay.query.lineage;

import dev.reelay.kernel.account.OwnerScope;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Reads of {@code task_lineage} joined to {@code task_view}: a task's ancestors in one query, a page of its subtree in
 * another, whatever the depth. A page is a range of the primary key {@code (ancestor_id, depth, created_at,
 * descendant_id)}, so only the tasks on the page are joined to {@code task_view}; ancestors walk the descendant index.
 */
@Component
@Transactional(readOnly = true)
class LineageQueries {

    private static final String VIEW_COLUMNS = "v.video_id, v.owner, v.lineage_kind, v.remix_from, v.root_id, "
            + "v.depth as tree_depth, v.status, v.prompt";

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

    /** A place in a subtree's breadth-first order: distance from the task asked about, submission time, id. */
    record Position(int distance, Instant createdAt, String videoId) {
    }

    /**
     * A subtree entry in page order: its position, and the task's view ({@code null} while {@code task_view} has not
     * projected it yet: it is not shown, but a page still moves past it).
     */
    record Entry(Position position, Row row) {
    }

    /** The task itself, if it is projected in both read models. */
    Optional<Row> task(String videoId) {
        return jdbc.query("select " + VIEW_COLUMNS + ", 0 as distance from task_lineage l "
                        + "join task_view v on v.video_id = l.descendant_id "
                        + "where l.ancestor_id = :id and l.depth = 0", new MapSqlParameterSource("id", videoId), ROW)
                .stream().findFirst();
    }

    /**
     * Up to {@code limit} entries of the task's subtree (the task itself at distance 0 first), breadth first: by
     * distance, then oldest first, then by id; only those after {@code after} (if given) and at most {@code maxDistance}
     * levels below the task. Scoped to one owner, only that owner's tasks are read whose path up to the task is all
     * theirs: someone else's task hides everything below it. With {@code submittedUntil}, only tasks submitted by then.
     */
    List<Entry> subtree(String videoId, Position after, int maxDistance, OwnerScope visibleTo, int limit,
                        Instant submittedUntil) {
        MapSqlParameterSource params = new MapSqlParameterSource("id", videoId)
                .addValue("maxDistance", maxDistance).addValue("limit", limit);
        StringBuilder where = new StringBuilder("l.ancestor_id = :id and l.depth <= :maxDistance");
        if (submittedUntil != null) {
            where.append(" and l.created_at <= :submittedUntil");
            params.addValue("submittedUntil", Timestamp.from(submittedUntil));
        }
        if (after != null) {
            where.append(" and (l.depth, l.created_at, l.descendant_id) > (:afterDistance, :afterAt, :afterId)");
            params.addValue("afterDistance", after.distance()).addValue("afterAt", Timestamp.from(after.createdAt()))
                    .addValue("afterId", after.videoId());
        }
        if (visibleTo instanceof OwnerScope.Only only) {
            where.append(" and l.owner = :owner and l.owner_path");
            params.addValue("owner", only.owner().value());
        }
        // the limit applies to the closure rows (a range of the primary key); only those are joined to task_view
        return jdbc.query("select l.descendant_id, l.depth as distance, l.created_at, " + VIEW_COLUMNS
                        + " from (select l.descendant_id, l.depth, l.created_at from task_lineage l where " + where
                        + " order by l.depth, l.created_at, l.descendant_id limit :limit) l "
                        + "left join task_view v on v.video_id = l.descendant_id "
                        + "order by l.depth, l.created_at, l.descendant_id",
                params, (rs, i) -> new Entry(new Position(rs.getInt("distance"), rs.getTimestamp("created_at").toInstant(),
                        rs.getString("descendant_id")), rs.getString("video_id") == null ? null : ROW.mapRow(rs, i)));
    }

    /** What the task derives from, the root first (the task itself excluded). */
    List<Row> ancestors(String videoId) {
        return jdbc.query("select " + VIEW_COLUMNS + ", l.depth as distance from task_lineage l "
                        + "join task_view v on v.video_id = l.ancestor_id "
                        + "where l.descendant_id = :id and l.depth > 0 order by l.depth desc",
                new MapSqlParameterSource("id", videoId), ROW);
    }
}
