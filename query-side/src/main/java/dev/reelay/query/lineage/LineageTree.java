package dev.reelay.query.lineage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One task of the tree with the tasks remixed from it, oldest first. */
record LineageTree(LineageQueries.Row row, List<LineageTree> children) {

    /**
     * Hangs the subtree's rows under {@code self}. Rows come shallowest first, so a task's source is always placed
     * before it. The query has already left out what a non-admin may not see; a task whose source has no place (not
     * in {@code task_view} yet) is left out too.
     */
    static LineageTree of(LineageQueries.Row self, List<LineageQueries.Row> rows) {
        LineageTree top = new LineageTree(self, new ArrayList<>());
        Map<String, LineageTree> placed = new HashMap<>();
        placed.put(self.videoId(), top);
        for (LineageQueries.Row row : rows) {
            if (row.distance() == 0) {
                continue; // the task itself, already at the top
            }
            LineageTree parent = row.remixFrom() == null ? null : placed.get(row.remixFrom());
            if (parent != null) {
                LineageTree node = new LineageTree(row, new ArrayList<>());
                parent.children().add(node);
                placed.put(row.videoId(), node);
            }
        }
        return top;
    }
}
