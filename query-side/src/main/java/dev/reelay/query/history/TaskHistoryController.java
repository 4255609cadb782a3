package dev.reelay.query.history;

import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.VideoId;
import jakarta.servlet.http.HttpServletRequest;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The audit view: a task's events straight from the event store, in order, with who caused each and from which
 * request. It needs no projection, so it is exact even while views are being rebuilt.
 */
@RestController
class TaskHistoryController {

    private static final Logger audit = LoggerFactory.getLogger("reelay.audit");

    private final EventStore eventStore;

    TaskHistoryController(EventStore eventStore) {
        this.eventStore = eventStore;
    }

    @GetMapping("/api/video/tasks/{videoId}/history")
    Map<String, Object> history(@PathVariable String videoId, Owner caller, HttpServletRequest request) {
        if (!VideoId.isWellFormed(videoId)) {
            throw TaskRejectedException.taskNotFound(videoId);
        }
        List<Map<String, Object>> events = new ArrayList<>();
        String owner = null;
        DomainEventStream stream = eventStore.readEvents(videoId);
        while (stream.hasNext()) {
            DomainEventMessage<?> event = stream.next();
            if (owner == null && event.getPayload() instanceof TaskSubmitted submitted) {
                owner = submitted.owner();
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("sequence", event.getSequenceNumber());
            entry.put("type", event.getPayloadType().getSimpleName());
            entry.put("eventId", event.getIdentifier());
            entry.put("time", event.getTimestamp());
            entry.put("principal", event.getMetaData().get("principal"));
            entry.put("correlationId", event.getMetaData().get("correlationId"));
            entry.put("traceId", event.getMetaData().get("traceId"));
            entry.put("payload", event.getPayload());
            events.add(entry);
        }
        if (owner == null) {
            throw TaskRejectedException.taskNotFound(videoId);
        }
        if (!caller.owns(owner)) {
            if (!request.isUserInRole("admin")) {
                throw TaskRejectedException.taskNotFound(videoId);
            }
            audit.info("admin {} read the history of task {} owned by {}", caller, videoId, owner);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("videoId", videoId);
        data.put("events", events);
        return Map.of("success", true, "data", data);
    }

}
