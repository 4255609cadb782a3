package dev.reelay.query.lineage;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.VideoId;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.Principal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A task's lineage: its ancestors (root first) and the tree of everything remixed from it, in two queries whatever the
 * depth. Someone else's task is a 404; for a non-admin, tasks of other owners (and what hangs below them) are left
 * out. The tree is written with a streaming generator and an explicit stack, so a chain of thousands of remixes
 * neither overflows the stack nor hits Jackson's default nesting limit.
 */
@RestController
class LineageController {

    private static final Logger audit = LoggerFactory.getLogger("reelay.audit");

    /** The most tasks one tree shows; beyond it the deepest (then newest) are left out and {@code truncated} is set. */
    static final int MAX_TREE_NODES = 10_000;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(2 * MAX_TREE_NODES + 16).build())
            .build();

    private final LineageQueries queries;

    LineageController(LineageQueries queries) {
        this.queries = queries;
    }

    @GetMapping("/api/video/tasks/{videoId}/lineage")
    ResponseEntity<byte[]> lineage(@PathVariable String videoId, Principal principal, HttpServletRequest request) {
        long started = System.currentTimeMillis();
        if (!VideoId.isWellFormed(videoId)) {
            throw TaskRejectedException.taskNotFound(videoId);
        }
        List<LineageQueries.Row> subtree = queries.subtree(videoId, MAX_TREE_NODES + 1);
        if (subtree.isEmpty() || subtree.get(0).distance() != 0) {
            throw TaskRejectedException.taskNotFound(videoId); // unknown, or not projected yet
        }
        LineageQueries.Row self = subtree.get(0);
        boolean admin = request.isUserInRole("admin");
        String caller = principal.getName();
        if (!self.owner().equals(caller)) {
            if (!admin) {
                throw TaskRejectedException.taskNotFound(videoId);
            }
            audit.info("admin {} read the lineage of task {} owned by {}", caller, videoId, self.owner());
        }
        boolean truncated = subtree.size() > MAX_TREE_NODES;
        Node tree = tree(truncated ? subtree.subList(0, MAX_TREE_NODES) : subtree, caller, admin);
        List<LineageQueries.Row> ancestors = queries.ancestors(videoId).stream()
                .filter(a -> admin || a.owner().equals(caller))
                .toList();
        byte[] body = write(self, ancestors, tree, truncated, started);
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
    }

    /** One task of the tree with the tasks remixed from it, oldest first. */
    private record Node(LineageQueries.Row row, List<Node> children) {
    }

    /** Rows come shallowest first, so a task's source is always placed before it. */
    private static Node tree(List<LineageQueries.Row> rows, String caller, boolean admin) {
        Node top = new Node(rows.get(0), new ArrayList<>());
        Map<String, Node> placed = new HashMap<>();
        placed.put(top.row().videoId(), top);
        for (LineageQueries.Row row : rows.subList(1, rows.size())) {
            if (!admin && !row.owner().equals(caller)) {
                continue; // others' tasks are not shown, nor (having no place) anything below them
            }
            Node parent = row.remixFrom() == null ? null : placed.get(row.remixFrom());
            if (parent != null) {
                Node node = new Node(row, new ArrayList<>());
                parent.children().add(node);
                placed.put(row.videoId(), node);
            }
        }
        return top;
    }

    private static byte[] write(LineageQueries.Row self, List<LineageQueries.Row> ancestors, Node tree, boolean truncated,
                                long started) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeBooleanField("success", true);
            g.writeObjectFieldStart("data");
            g.writeStringField("videoId", self.videoId());
            g.writeStringField("root", self.rootId());
            g.writeArrayFieldStart("ancestors");
            for (LineageQueries.Row a : ancestors) {
                g.writeStartObject();
                fields(g, a, a.treeDepth());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeFieldName("descendants");
            Deque<Iterator<Node>> open = new ArrayDeque<>();
            open(g, tree);
            open.push(tree.children().iterator());
            while (!open.isEmpty()) {
                Iterator<Node> next = open.peek();
                if (next.hasNext()) {
                    Node child = next.next();
                    open(g, child);
                    open.push(child.children().iterator());
                } else {
                    open.pop();
                    g.writeEndArray();
                    g.writeEndObject();
                }
            }
            g.writeBooleanField("truncated", truncated);
            g.writeEndObject();
            g.writeNumberField("requestTime", System.currentTimeMillis() - started);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Starts a tree node up to its open {@code children} array; depth is relative to the task asked about. */
    private static void open(JsonGenerator g, Node node) throws IOException {
        g.writeStartObject();
        fields(g, node.row(), node.row().distance());
        g.writeArrayFieldStart("children");
    }

    private static void fields(JsonGenerator g, LineageQueries.Row row, int depth) throws IOException {
        g.writeStringField("videoId", row.videoId());
        g.writeStringField("kind", row.lineageKind() == null ? "generation" : row.lineageKind().toLowerCase(Locale.ROOT));
        g.writeNumberField("depth", depth);
        g.writeStringField("status", row.status());
        g.writeStringField("prompt", row.prompt());
    }

}
