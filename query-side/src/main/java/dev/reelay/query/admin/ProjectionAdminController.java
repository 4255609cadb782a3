package dev.reelay.query.admin;

import dev.reelay.query.ProjectionGroups;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rebuilds a read model from the event store (admin only). Only pure projections can be rebuilt: replaying the
 * upstream saga or the archiver would repeat side effects, so those are refused.
 */
@RestController
class ProjectionAdminController {

    private static final Logger audit = LoggerFactory.getLogger("reelay.audit");
    static final Set<String> REBUILDABLE = Set.copyOf(ProjectionGroups.ALL);

    private final EventProcessingConfiguration processing;
    private final EventStore eventStore;
    private final Clock clock;

    ProjectionAdminController(EventProcessingConfiguration processing, EventStore eventStore, Clock clock) {
        this.processing = processing;
        this.eventStore = eventStore;
        this.clock = clock;
    }

    /**
     * Where a processor stands; {@code resetPosition} only while a rebuild has one. {@code replayDone} says when the
     * re-reading is over: Axon keeps a segment "replaying" until it handles an event beyond the reset point, which on
     * a quiet system can be long after it has re-read everything. {@code lag} is how many store positions the
     * processor's slowest segment is behind the head of the event store.
     */
    record ProjectionStatus(String name, boolean running, boolean replaying, boolean replayDone, boolean caughtUp,
                            int segments, long position, long lag, Long resetPosition) {
    }

    @GetMapping("/api/admin/projections")
    SeedEnvelope<List<ProjectionStatus>> list() {
        long started = clock.millis();
        List<ProjectionStatus> processors = processing.eventProcessors().values().stream()
                .filter(StreamingEventProcessor.class::isInstance)
                .map(StreamingEventProcessor.class::cast)
                .map(this::describe)
                .toList();
        return SeedEnvelope.of(processors, clock.millis() - started);
    }

    @PostMapping("/api/admin/projections/{name}/rebuild")
    ResponseEntity<SeedEnvelope<ProjectionStatus>> rebuild(@PathVariable String name, Owner caller) {
        long started = clock.millis();
        if (!REBUILDABLE.contains(name)) {
            throw TaskRejectedException.invalidField("name", "NOT_REBUILDABLE",
                    "only these projections can be rebuilt: " + REBUILDABLE.stream().sorted().toList());
        }
        StreamingEventProcessor processor = processing.eventProcessor(name, StreamingEventProcessor.class)
                .orElseThrow(() -> new TaskRejectedException(ErrorCode.TASK_NOT_FOUND, "no projection " + name));
        audit.info("admin {} rebuilds projection {}", caller, name);
        processor.shutDown();
        processor.resetTokens();
        processor.start();
        return ResponseEntity.status(HttpStatus.ACCEPTED)
                .body(SeedEnvelope.of(describe(processor), clock.millis() - started));
    }

    private ProjectionStatus describe(StreamingEventProcessor processor) {
        Map<Integer, EventTrackerStatus> status = processor.processingStatus();
        long position = status.values().stream().mapToLong(s -> s.getCurrentPosition().orElse(-1)).min().orElse(-1);
        long resetPosition = status.values().stream().mapToLong(s -> s.getResetPosition().orElse(-1)).max().orElse(-1);
        boolean caughtUp = !status.isEmpty() && status.values().stream().allMatch(EventTrackerStatus::isCaughtUp);
        boolean replaying = status.values().stream().anyMatch(EventTrackerStatus::isReplaying);
        TrackingToken head = eventStore.createHeadToken();
        long headPosition = head == null ? -1 : head.position().orElse(-1);
        return new ProjectionStatus(processor.getName(), processor.isRunning(), replaying,
                caughtUp && position >= resetPosition, caughtUp, status.size(), position,
                Math.max(0, headPosition - position), resetPosition >= 0 ? resetPosition : null);
    }
}
