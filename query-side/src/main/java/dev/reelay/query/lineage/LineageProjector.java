package dev.reelay.query.lineage;

import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.query.BatchBuffers;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.namedparam.SqlParameterSource;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the closure table {@code task_lineage} (ADR 0006): every task is its own ancestor at depth 0, and a derived
 * task copies its source's ancestor rows one level deeper. The processor runs on a single segment, so a source's rows
 * are always written before its children's; every insert ignores rows already there, so a replay reproduces them.
 * Each row also carries the descendant's submission time and owner, and whether the whole path from the ancestor down
 * is the descendant's owner's: a page of a subtree is then ordered and filtered on the closure rows alone.
 */
@Component
@ProcessingGroup(LineageProjector.GROUP)
class LineageProjector {

    static final String GROUP = dev.reelay.query.ProjectionGroups.LINEAGE;

    private static final String SELF = "insert into task_lineage (ancestor_id, descendant_id, depth, created_at, owner, "
            + "owner_path) values (:child, :child, 0, :createdAt, :owner, true) on conflict do nothing";
    /**
     * The path from an ancestor down to the child is all the child's owner's if it was so down to the source and the
     * source is the child's owner's too.
     */
    private static final String FROM_SOURCE = "insert into task_lineage (ancestor_id, descendant_id, depth, created_at, "
            + "owner, owner_path) select ancestor_id, :child, depth + 1, :createdAt, :owner, owner_path and owner = :owner "
            + "from task_lineage where descendant_id = :source on conflict do nothing";

    private final NamedParameterJdbcTemplate jdbc;

    LineageProjector(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(TaskSubmitted event) {
        MapSqlParameterSource params = new MapSqlParameterSource("child", event.videoId().value())
                .addValue("createdAt", Timestamp.from(event.submittedAt()))
                .addValue("owner", event.owner());
        List<Insert> inserts = batch();
        inserts.add(new Insert(SELF, params));
        if (event.lineage() != null) {
            inserts.add(new Insert(FROM_SOURCE, params.addValue("source", event.lineage().source().value())));
        }
    }

    private record Insert(String sql, SqlParameterSource params) {
    }

    /**
     * The inserts of the processor's current batch, sent before it commits: in the order the events came, each run of
     * the same statement as one JDBC batch. A replay is bound by round trips (docs/benchmarks.md, benchmark 4), and
     * most runs are of tasks that are their own root.
     */
    private List<Insert> batch() {
        return BatchBuffers.current(LineageProjector.class.getName(), ArrayList::new, this::write);
    }

    private void write(List<Insert> inserts) {
        int from = 0;
        while (from < inserts.size()) {
            String sql = inserts.get(from).sql();
            int to = from;
            while (to < inserts.size() && inserts.get(to).sql().equals(sql)) {
                to++;
            }
            jdbc.batchUpdate(sql, inserts.subList(from, to).stream().map(Insert::params).toArray(SqlParameterSource[]::new));
            from = to;
        }
    }

    @ResetHandler
    void reset() {
        jdbc.getJdbcTemplate().update("delete from task_lineage");
    }
}
