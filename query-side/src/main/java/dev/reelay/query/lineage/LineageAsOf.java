package dev.reelay.query.lineage;

import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.query.tasks.TaskQueries;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A lineage in the past: each task's status is what the task-views fold gives over its events until {@code asOf}
 * (the live projection's own code), and a task whose events start after it is left out. One event-store read per task
 * shown, so a large tree in the past is best read in pages ({@code maxNodes}).
 */
final class LineageAsOf {

    private final TaskQueries tasks;
    private final Instant asOf;

    LineageAsOf(TaskQueries tasks, Instant asOf) {
        this.tasks = tasks;
        this.asOf = asOf;
    }

    /** The row as it stood then; empty when the task did not exist yet. */
    Optional<LineageQueries.Row> row(LineageQueries.Row now) {
        return tasks.statusAsOf(now.videoId(), asOf).map(status -> withStatus(now, status));
    }

    /** These rows as they stood then, in the same order, without the tasks that did not exist yet. */
    List<LineageQueries.Row> rows(List<LineageQueries.Row> now) {
        return now.stream().map(this::row).flatMap(Optional::stream).toList();
    }

    private static LineageQueries.Row withStatus(LineageQueries.Row row, TaskStatus status) {
        return new LineageQueries.Row(row.videoId(), row.owner(), row.lineageKind(), row.remixFrom(), row.rootId(),
                row.treeDepth(), status.name(), row.prompt(), row.distance());
    }
}
