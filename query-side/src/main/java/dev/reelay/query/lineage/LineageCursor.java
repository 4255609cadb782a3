package dev.reelay.query.lineage;

import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.VideoId;
import dev.reelay.kernel.time.InstantRange;
import dev.reelay.query.paging.OpaqueCursor;

/**
 * An opaque place in one task's subtree: the task asked about and the last task a page showed. A cursor of another
 * task's lineage, or one this API did not give out, is a 422 naming {@code after}.
 */
final class LineageCursor {

    static final String PARAMETER = "after";

    private LineageCursor() {
    }

    static String encode(String videoId, LineageQueries.Position last) {
        return OpaqueCursor.of().add(videoId).add(last.distance()).add(last.createdAt()).add(last.videoId()).encode();
    }

    static LineageQueries.Position decode(String cursor, String videoId) {
        OpaqueCursor.Reader parts = OpaqueCursor.decode(cursor, 5, PARAMETER);
        String of = parts.text();
        long distance = parts.number();
        if (distance > Integer.MAX_VALUE) {
            throw OpaqueCursor.malformed(PARAMETER);
        }
        LineageQueries.Position position = new LineageQueries.Position((int) distance, parts.instant(), parts.text());
        if (!of.equals(videoId) || position.distance() < 0 || !VideoId.isWellFormed(position.videoId())
                || !InstantRange.contains(position.createdAt())) {
            throw TaskRejectedException.invalidField(PARAMETER, "MALFORMED", "after is not a cursor of this task's lineage");
        }
        return position;
    }
}
