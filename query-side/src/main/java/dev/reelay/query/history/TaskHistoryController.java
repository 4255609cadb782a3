package dev.reelay.query.history;

import dev.reelay.kernel.account.Owner;
import dev.reelay.query.access.TaskAccess;
import jakarta.servlet.http.HttpServletRequest;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStore;
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

    private final EventStore eventStore;
    private final TaskAccess access;

    TaskHistoryController(EventStore eventStore, TaskAccess access) {
        this.eventStore = eventStore;
        this.access = access;
    }

    @GetMapping("/api/video/tasks/{videoId}/history")
    Map<String, Object> history(@PathVariable String videoId, Owner caller, HttpServletRequest request) {
        access.readable(videoId, caller, request, "the history");
        List<Map<String, Object>> events = new ArrayList<>();
        DomainEventStream stream = eventStore.readEvents(videoId);
        while (stream.hasNext()) {
            DomainEventMessage<?> event = stream.next();
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
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("videoId", videoId);
        data.put("events", events);
        return Map.of("success", true, "data", data);
    }

}
