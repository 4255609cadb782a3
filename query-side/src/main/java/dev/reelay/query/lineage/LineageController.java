package dev.reelay.query.lineage;

import dev.reelay.kernel.account.OwnerScope;
import dev.reelay.kernel.account.Owner;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.VideoId;
import dev.reelay.kernel.time.InstantRange;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A task's lineage: its ancestors (root first) and the tree of everything remixed from it, in two queries whatever the
 * depth. Someone else's task is a 404; for a non-admin, tasks of other owners (and what hangs below them) are left
 * out. The tree is written with a streaming generator and an explicit stack, so a chain of thousands of remixes
 * neither overflows the stack nor hits Jackson's default nesting limit.
 *
 * <p>Without parameters the answer is the whole tree, as the frontend expects, up to {@link #MAX_TREE_NODES} tasks.
 * Paging is opt-in: {@code maxNodes} caps the tasks of this response, {@code maxDepth} the levels below the task, and a
 * response cut short says {@code truncated} and gives a {@code nextCursor}; {@code after=<nextCursor>} then answers
 * the next tasks in the same breadth-first order (distance, then oldest first, then id) as a flat list of
 * {@code nodes}, each naming its {@code parent}, so a client can hang them under the tasks it already has.
 */
@RestController
class LineageController {

    private static final Logger audit = LoggerFactory.getLogger("reelay.audit");

    /** The most tasks one response shows; beyond it {@code truncated} is set and {@code nextCursor} continues. */
    static final int MAX_TREE_NODES = 10_000;

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(2 * MAX_TREE_NODES + 16).build())
            .build();

    private final LineageQueries queries;

    LineageController(LineageQueries queries) {
        this.queries = queries;
    }

    @GetMapping("/api/video/tasks/{videoId}/lineage")
    ResponseEntity<byte[]> lineage(@PathVariable String videoId,
                                   @RequestParam(required = false) Integer maxNodes,
                                   @RequestParam(required = false) Integer maxDepth,
                                   @RequestParam(required = false) String after,
                                   Owner caller, HttpServletRequest request) {
        long started = System.currentTimeMillis();
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
        LineageQueries.Position from = after == null ? null : Cursor.decode(after, videoId);

        LineageQueries.Row self = queries.task(videoId)
                .orElseThrow(() -> TaskRejectedException.taskNotFound(videoId)); // unknown, or not projected yet
        boolean admin = request.isUserInRole("admin");
        if (!caller.owns(self.owner())) {
            if (!admin) {
                throw TaskRejectedException.taskNotFound(videoId);
            }
            audit.info("admin {} read the lineage of task {} owned by {}", caller, videoId, self.owner());
        }

        List<LineageQueries.Entry> entries = queries.subtree(videoId, from, maxDepth == null ? Integer.MAX_VALUE : maxDepth,
                admin ? OwnerScope.everyone() : OwnerScope.only(caller), limit + 1);
        boolean truncated = entries.size() > limit;
        List<LineageQueries.Entry> page = truncated ? entries.subList(0, limit) : entries;
        String nextCursor = truncated ? Cursor.encode(videoId, page.get(limit - 1).position()) : null;
        List<LineageQueries.Row> rows = page.stream().map(LineageQueries.Entry::row).filter(Objects::nonNull).toList();

        byte[] body;
        if (from == null) {
            List<LineageQueries.Row> ancestors = queries.ancestors(videoId).stream()
                    .filter(a -> admin || caller.owns(a.owner()))
                    .toList();
            Node tree = tree(self, rows);
            body = envelope(self, truncated, nextCursor, started, g -> writeTree(g, ancestors, tree));
        } else {
            body = envelope(self, truncated, nextCursor, started, g -> writeNodes(g, rows));
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
    }

    /** One task of the tree with the tasks remixed from it, oldest first. */
    private record Node(LineageQueries.Row row, List<Node> children) {
    }

    /**
     * Rows come shallowest first, so a task's source is always placed before it. The query has already left out what a
     * non-admin may not see; a task whose source has no place (not in {@code task_view} yet) is left out too.
     */
    private static Node tree(LineageQueries.Row self, List<LineageQueries.Row> rows) {
        Node top = new Node(self, new ArrayList<>());
        Map<String, Node> placed = new HashMap<>();
        placed.put(self.videoId(), top);
        for (LineageQueries.Row row : rows) {
            if (row.distance() == 0) {
                continue; // the task itself, already at the top
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

    /** The whole-tree shape: the ancestors, then the descendants nested under the task asked about. */
    private static void writeTree(JsonGenerator g, List<LineageQueries.Row> ancestors, Node tree) throws IOException {
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
    }

    /** Page content inside the response envelope, written by {@link #envelope}. */
    @FunctionalInterface
    private interface Content {
        void write(JsonGenerator g) throws IOException;
    }

    /**
     * The response for either shape: {@code success}, then {@code data} with the task and its root, the content, and
     * the paging fields; the JSON is streamed into one buffer.
     */
    private static byte[] envelope(LineageQueries.Row self, boolean truncated, String nextCursor, long started,
                                   Content content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeBooleanField("success", true);
            g.writeObjectFieldStart("data");
            g.writeStringField("videoId", self.videoId());
            g.writeStringField("root", self.rootId());
            content.write(g);
            end(g, truncated, nextCursor, started);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A page after the first: the tasks in order, flat, each with the task it was remixed from. */
    private static void writeNodes(JsonGenerator g, List<LineageQueries.Row> rows) throws IOException {
        g.writeArrayFieldStart("nodes");
        for (LineageQueries.Row row : rows) {
            g.writeStartObject();
            fields(g, row, row.distance());
            g.writeStringField("parent", row.distance() == 0 ? null : row.remixFrom());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** {@code nextCursor} is written only when there is more, so a whole tree reads exactly as before paging existed. */
    private static void end(JsonGenerator g, boolean truncated, String nextCursor, long started) throws IOException {
        g.writeBooleanField("truncated", truncated);
        if (nextCursor != null) {
            g.writeStringField("nextCursor", nextCursor);
        }
        g.writeEndObject();
        g.writeNumberField("requestTime", System.currentTimeMillis() - started);
        g.writeEndObject();
    }

    /** Starts a tree node up to its open {@code children} array; depth is relative to the task asked about. */
    private static void open(JsonGenerator g, Node node) throws IOException {
        g.writeStartObject();
        fields(g, node.row(), node.row().distance());
        g.writeArrayFieldStart("children");
    }

    private static void fields(JsonGenerator g, LineageQueries.Row row, int depth) throws IOException {
        g.writeStringField("videoId", row.videoId());
        g.writeStringField("kind", kind(row));
        g.writeNumberField("depth", depth);
        g.writeStringField("status", row.status());
        g.writeStringField("prompt", row.prompt());
    }

    private static String kind(LineageQueries.Row row) {
        return row.lineageKind() == null ? "generation" : row.lineageKind().toLowerCase(Locale.ROOT);
    }

    /**
     * An opaque place in one task's subtree: the task asked about and the last task a page showed. A cursor of another
     * task's lineage, or one this API did not give out, is a 422 naming {@code after}.
     */
    static final class Cursor {

        private Cursor() {
        }

        static String encode(String videoId, LineageQueries.Position last) {
            String raw = videoId + ":" + last.distance() + ":" + last.createdAt().getEpochSecond() + ":"
                    + last.createdAt().getNano() + ":" + last.videoId();
            return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
        }

        static LineageQueries.Position decode(String cursor, String videoId) {
            String[] parts;
            LineageQueries.Position position;
            try {
                parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split(":", 5);
                position = new LineageQueries.Position(Integer.parseInt(parts[1]),
                        Instant.ofEpochSecond(Long.parseLong(parts[2]), Long.parseLong(parts[3])), parts[4]);
            } catch (RuntimeException e) {
                throw TaskRejectedException.invalidField("after", "MALFORMED", "after is not a cursor this API gave out");
            }
            if (!parts[0].equals(videoId) || position.distance() < 0 || !VideoId.isWellFormed(position.videoId())
                    || !InstantRange.contains(position.createdAt())) {
                throw TaskRejectedException.invalidField("after", "MALFORMED", "after is not a cursor of this task's lineage");
            }
            return position;
        }
    }

}
