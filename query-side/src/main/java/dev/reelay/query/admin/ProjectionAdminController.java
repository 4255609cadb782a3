package dev.reelay.query.admin;

import dev.reelay.kernel.account.Owner;
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

import java.util.LinkedHashMap;
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
    static final Set<String> REBUILDABLE = Set.of(dev.reelay.query.ProjectionGroups.TASK_VIEWS, dev.reelay.query.ProjectionGroups.LINEAGE, dev.reelay.query.ProjectionGroups.ACCOUNTS);

    private final EventProcessingConfiguration processing;

    ProjectionAdminController(EventProcessingConfiguration processing) {
        this.processing = processing;
    }

    @GetMapping("/api/admin/projections")
    Map<String, Object> list() {
        List<Map<String, Object>> processors = processing.eventProcessors().values().stream()
                .filter(StreamingEventProcessor.class::isInstance)
                .map(StreamingEventProcessor.class::cast)
                .map(ProjectionAdminController::describe)
                .toList();
        return Map.of("success", true, "data", processors);
    }

    @PostMapping("/api/admin/projections/{name}/rebuild")
    ResponseEntity<Map<String, Object>> rebuild(@PathVariable String name, Owner caller) {
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
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("success", true, "data", describe(processor)));
    }

    private static Map<String, Object> describe(StreamingEventProcessor processor) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("name", processor.getName());
        info.put("running", processor.isRunning());
        Map<Integer, EventTrackerStatus> status = processor.processingStatus();
        long position = status.values().stream().mapToLong(s -> s.getCurrentPosition().orElse(-1)).min().orElse(-1);
        long resetPosition = status.values().stream().mapToLong(s -> s.getResetPosition().orElse(-1)).max().orElse(-1);
        // Axon keeps a segment "replaying" until it handles an event beyond the reset point, which on a quiet system
        // can be long after it has re-read everything: replayDone says when the re-reading itself is over
        boolean caughtUp = !status.isEmpty() && status.values().stream().allMatch(EventTrackerStatus::isCaughtUp);
        info.put("replaying", status.values().stream().anyMatch(EventTrackerStatus::isReplaying));
        info.put("replayDone", caughtUp && position >= resetPosition);
        info.put("caughtUp", caughtUp);
        info.put("segments", status.size());
        info.put("position", position);
        if (resetPosition >= 0) {
            info.put("resetPosition", resetPosition);
        }
        return info;
    }
}
