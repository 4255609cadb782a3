package dev.reelay.kernel.task;

import java.util.Objects;

/** Where a derived task comes from: its direct source, the root of its tree and its depth below that root. */
public record Lineage(LineageKind kind, VideoId source, VideoId root, int depth) {

    public Lineage {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(root, "root");
        if (depth < 1) {
            throw new IllegalArgumentException("a derived task is at depth 1 or more");
        }
    }
}
