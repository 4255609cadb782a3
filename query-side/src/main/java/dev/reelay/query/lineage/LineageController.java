package dev.reelay.query.lineage;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.account.OwnerScope;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.VideoId;
import dev.reelay.query.access.TaskAccess;
import dev.reelay.query.tasks.TaskQueries;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A task's lineage: its ancestors (root first) and the tree of everything remixed from it, in two queries whatever the
 * depth. Someone else's task is a 404 ({@link TaskAccess}); for a non-admin, tasks of other owners (and what hangs
 * below them) are left out.
 *
 * <p>Without parameters the answer is the whole tree, as the frontend expects, up to {@link #MAX_TREE_NODES} tasks.
 * Paging is opt-in: {@code maxNodes} caps the tasks of this response, {@code maxDepth} the levels below the task, and a
 * response cut short says {@code truncated} and gives a {@code nextCursor}; {@code after=<nextCursor>} then answers
 * the next tasks in the same breadth-first order (distance, then oldest first, then id) as a flat list of
 * {@code nodes}, each naming its {@code parent}, so a client can hang them under the tasks it already has.
 *
 * <p>{@code asOf} shows the lineage as it stood then: the tasks submitted by that instant, each with the status its
 * own events folded until then give ({@link LineageAsOf}); a task that did not exist yet is a 404.
 */
@RestController
class LineageController {

    /** The most tasks one response shows; beyond it {@code truncated} is set and {@code nextCursor} continues. */
    static final int MAX_TREE_NODES = 10_000;

    private final LineageQueries queries;
    private final TaskQueries tasks;
    private final TaskAccess access;
    private final LineageJson json;
    private final Clock clock;

    LineageController(LineageQueries queries, TaskQueries tasks, TaskAccess access, LineageJson json, Clock clock) {
        this.queries = queries;
        this.tasks = tasks;
        this.access = access;
        this.json = json;
        this.clock = clock;
    }

    @GetMapping("/api/video/tasks/{videoId}/lineage")
    ResponseEntity<byte[]> lineage(@PathVariable String videoId,
                                   @RequestParam(required = false) Integer maxNodes,
                                   @RequestParam(required = false) Integer maxDepth,
                                   @RequestParam(required = false) String after,
                                   @RequestParam(required = false) Instant asOf,
                                   Owner caller, HttpServletRequest request) {
        long started = clock.millis();
        if (!VideoId.isWellFormed(videoId)) {
            throw TaskRejectedException.taskNotFound(videoId);
        }
        int limit = maxNodes == null ? MAX_TREE_NODES : maxNodes;
        if (limit < 1 || limit > MAX_TREE_NODES) {
            throw TaskRejectedException.invalidField("maxNodes", "RANGE", "maxNodes must be between 1 and " + MAX_TREE_NODES);
        }
        if (maxDepth != null && maxDepth < 0) {
            throw TaskRejectedException.invalidField("maxDepth", "RANGE", "maxDepth must be 0 or more");
        }
        LineageQueries.Position from = after == null ? null : LineageCursor.decode(after, videoId);

        // unknown, or not projected yet; the row's owner decides, so the lineage costs no event-store read
        LineageQueries.Row self = queries.task(videoId).orElseThrow(() -> TaskRejectedException.taskNotFound(videoId));
        Owner owner = Owner.parse(self.owner()).orElseThrow(() -> TaskRejectedException.taskNotFound(videoId));
        access.check(videoId, owner, caller, request, "the lineage");
        boolean admin = TaskAccess.isAdmin(request);

        LineageAsOf then = asOf == null ? null : new LineageAsOf(tasks, asOf);
        if (then != null) {
            self = then.row(self).orElseThrow(() -> TaskRejectedException.taskNotFound(videoId));
        }

        List<LineageQueries.Entry> entries = queries.subtree(videoId, from, maxDepth == null ? Integer.MAX_VALUE : maxDepth,
                admin ? OwnerScope.everyone() : OwnerScope.only(caller), limit + 1, asOf);
        boolean truncated = entries.size() > limit;
        List<LineageQueries.Entry> page = truncated ? entries.subList(0, limit) : entries;
        String nextCursor = truncated ? LineageCursor.encode(videoId, page.get(limit - 1).position()) : null;
        List<LineageQueries.Row> rows = page.stream().map(LineageQueries.Entry::row).filter(Objects::nonNull).toList();
        if (then != null) {
            rows = then.rows(rows);
        }

        byte[] body;
        if (from == null) {
            List<LineageQueries.Row> ancestors = queries.ancestors(videoId).stream()
                    .filter(a -> admin || caller.owns(a.owner()))
                    .toList();
            if (then != null) {
                ancestors = then.rows(ancestors);
            }
            body = json.tree(self, ancestors, LineageTree.of(self, rows), truncated, nextCursor, started);
        } else {
            body = json.nodes(self, rows, truncated, nextCursor, started);
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
    }
}
