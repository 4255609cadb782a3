package dev.reelay.query.lineage;

import dev.reelay.kernel.event.TaskSubmitted;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;

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

    private final NamedParameterJdbcTemplate jdbc;

    LineageProjector(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(TaskSubmitted event) {
        MapSqlParameterSource params = new MapSqlParameterSource("child", event.videoId().value())
                .addValue("createdAt", Timestamp.from(event.submittedAt()))
                .addValue("owner", event.owner());
        jdbc.update("insert into task_lineage (ancestor_id, descendant_id, depth, created_at, owner, owner_path) "
                + "values (:child, :child, 0, :createdAt, :owner, true) on conflict do nothing", params);
        if (event.lineage() != null) {
            params.addValue("source", event.lineage().source().value());
            // the path from an ancestor down to the child is all the child's owner's if it was so down to the source
            // and the source is the child's owner's too
            jdbc.update("insert into task_lineage (ancestor_id, descendant_id, depth, created_at, owner, owner_path) "
                    + "select ancestor_id, :child, depth + 1, :createdAt, :owner, owner_path and owner = :owner "
                    + "from task_lineage where descendant_id = :source on conflict do nothing", params);
        }
    }

    @ResetHandler
    void reset() {
        jdbc.getJdbcTemplate().update("delete from task_lineage");
    }
}
