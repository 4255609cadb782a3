package dev.reelay.query.lineage;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import org.springframework.stereotype.Component;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Writes a lineage answer with a streaming generator and an explicit stack, so a chain of thousands of remixes neither
 * overflows the stack nor hits Jackson's default nesting limit. The answer is the seed envelope ({@code success},
 * {@code data}, {@code requestTime}) written field by field, because a record tree that deep could not be serialised.
 */
@Component
class LineageJson {

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamWriteConstraints(StreamWriteConstraints.builder()
                    .maxNestingDepth(2 * LineageController.MAX_TREE_NODES + 16).build())
            .build();

    private final Clock clock;

    LineageJson(Clock clock) {
        this.clock = clock;
    }

    /** The whole-tree shape: the ancestors, then the descendants nested under the task asked about. */
    byte[] tree(LineageQueries.Row self, List<LineageQueries.Row> ancestors, LineageTree tree, boolean truncated,
                String nextCursor, long startedMillis) {
        return envelope(self, truncated, nextCursor, startedMillis, g -> {
            g.writeArrayFieldStart("ancestors");
            for (LineageQueries.Row a : ancestors) {
                g.writeStartObject();
                fields(g, a, a.treeDepth());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeFieldName("descendants");
            Deque<Iterator<LineageTree>> open = new ArrayDeque<>();
            open(g, tree);
            open.push(tree.children().iterator());
            while (!open.isEmpty()) {
                Iterator<LineageTree> next = open.peek();
                if (next.hasNext()) {
                    LineageTree child = next.next();
                    open(g, child);
                    open.push(child.children().iterator());
                } else {
                    open.pop();
                    g.writeEndArray();
                    g.writeEndObject();
                }
            }
        });
    }

    /** A page after the first: the tasks in order, flat, each with the task it was remixed from. */
    byte[] nodes(LineageQueries.Row self, List<LineageQueries.Row> rows, boolean truncated, String nextCursor,
                 long startedMillis) {
        return envelope(self, truncated, nextCursor, startedMillis, g -> {
            g.writeArrayFieldStart("nodes");
            for (LineageQueries.Row row : rows) {
                g.writeStartObject();
                fields(g, row, row.distance());
                g.writeStringField("parent", row.distance() == 0 ? null : row.remixFrom());
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /** Page content inside the response envelope. */
    @FunctionalInterface
    private interface Content {
        void write(JsonGenerator g) throws IOException;
    }

    /**
     * The response for either shape: {@code success}, then {@code data} with the task and its root, the content, and
     * the paging fields; {@code nextCursor} only when there is more, so an unpaged whole tree carries no paging but
     * {@code truncated}. The JSON is streamed into one buffer.
     */
    private byte[] envelope(LineageQueries.Row self, boolean truncated, String nextCursor, long startedMillis,
                            Content content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeBooleanField("success", true);
            g.writeObjectFieldStart("data");
            g.writeStringField("videoId", self.videoId());
            g.writeStringField("root", self.rootId());
            content.write(g);
            g.writeBooleanField("truncated", truncated);
            if (nextCursor != null) {
                g.writeStringField("nextCursor", nextCursor);
            }
            g.writeEndObject();
            g.writeNumberField("requestTime", clock.millis() - startedMillis);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Starts a tree node up to its open {@code children} array; depth is relative to the task asked about. */
    private static void open(JsonGenerator g, LineageTree node) throws IOException {
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
}
