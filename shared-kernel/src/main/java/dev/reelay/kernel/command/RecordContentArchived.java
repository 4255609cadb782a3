package dev.reelay.kernel.command;

import dev.reelay.kernel.task.VideoId;
import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;
import java.util.List;

/**
 * The variants of a completed task's content that were copied into Reelay's archive and verified, in one command so
 * that one archive job costs the task one load and one transaction, whatever the number of variants.
 */
public record RecordContentArchived(@TargetAggregateIdentifier VideoId videoId, List<Copy> copies, Instant archivedAt) {

    public RecordContentArchived {
        copies = List.copyOf(copies);
    }

    /** One variant (video, thumbnail, spritesheet) in the archive: where, how many bytes, and their sha256. */
    public record Copy(String variant, String location, long bytes, String sha256) {
    }
}
