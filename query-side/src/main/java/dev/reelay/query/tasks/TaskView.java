package dev.reelay.query.tasks;

import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * One row per task: what the list and detail routes show. Rebuilt from events at will. Read through JPA; written by
 * the projection in JDBC batches ({@link TaskViewBatch}).
 */
@Entity
@Table(name = "task_view")
class TaskView {

    @Id
    @Column(name = "video_id", length = 64)
    String videoId;
    @Column(nullable = false)
    String owner;
    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    TaskStatus status;
    @Column(nullable = false)
    int progress;
    @Column(nullable = false, columnDefinition = "text")
    String prompt;
    @Column(nullable = false)
    String model;
    @Column(nullable = false, length = 32)
    String size;
    @Column(nullable = false)
    int seconds;
    @Enumerated(EnumType.STRING)
    @Column(name = "media_type", nullable = false, length = 16)
    MediaType mediaType;
    @Column(name = "reference_image_sha256", length = 64)
    String referenceImageSha256;
    @Column(name = "provider_id")
    String providerId;
    @Column(name = "external_task_id")
    String externalTaskId;
    @Column(name = "upstream_status", length = 64)
    String upstreamStatus;
    @Column(name = "content_location", columnDefinition = "text")
    String contentLocation;
    @Column(name = "content_expires_at")
    Instant contentExpiresAt;
    @Column(name = "error_code", length = 64)
    String errorCode;
    @Column(name = "error_message", columnDefinition = "text")
    String errorMessage;
    @Column(name = "lineage_kind", length = 16)
    String lineageKind;
    @Column(name = "remix_from", length = 64)
    String remixFrom;
    @Column(name = "root_id", nullable = false, length = 64)
    String rootId;
    @Column(nullable = false)
    int depth;
    @Column(name = "created_at", nullable = false)
    Instant createdAt;
    @Column(name = "updated_at", nullable = false)
    Instant updatedAt;
    @Column(name = "completed_at")
    Instant completedAt;
    @Column(name = "expired_at")
    Instant expiredAt;
    /** the job's place in the provider's own queue, from the latest ProgressUpdated; null when it names none */
    @Column(name = "provider_queue_position")
    Integer providerQueuePosition;
    /** global position of its TaskQueuedForSlot while it waits in Reelay for a slot; null otherwise */
    @Column(name = "queued_seq")
    Long queuedSeq;
    /** sequence number of the last event of this task's own stream applied to the row (read-your-writes, ADR 0009) */
    @Column(name = "last_seq", nullable = false)
    long lastSeq = -1;

    protected TaskView() {
    }

    TaskView(String videoId) {
        this.videoId = videoId;
    }
}
