package dev.reelay.query.live;

import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.TrackingToken;

import java.util.Arrays;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * An SSE event id that is a position in the event store: the global index plus the gaps below it that were still
 * open. Resuming from it cannot miss an event that committed late into a gap.
 */
final class StreamPosition {

    static String encode(TrackingToken token) {
        if (token instanceof GapAwareTrackingToken gapAware) {
            String gaps = gapAware.getGaps().stream().map(String::valueOf).collect(Collectors.joining("_"));
            return gapAware.getIndex() + (gaps.isEmpty() ? "" : "." + gaps);
        }
        if (token instanceof GlobalSequenceTrackingToken global) {
            return String.valueOf(global.getGlobalIndex());
        }
        throw new IllegalArgumentException("unsupported token " + token);
    }

    /** Null for an id this API did not give out. */
    static GapAwareTrackingToken decode(String id) {
        if (id == null || !id.matches("\\d{1,18}(\\.\\d{1,18}(_\\d{1,18}){0,999})?")) {
            return null;
        }
        int dot = id.indexOf('.');
        long index = Long.parseLong(dot < 0 ? id : id.substring(0, dot));
        TreeSet<Long> gaps = new TreeSet<>();
        if (dot >= 0) {
            Arrays.stream(id.substring(dot + 1).split("_")).map(Long::parseLong).filter(g -> g < index).forEach(gaps::add);
        }
        return GapAwareTrackingToken.newInstance(index, gaps);
    }

    private StreamPosition() {
    }
}
