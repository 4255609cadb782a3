package dev.reelay.query.live;

import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.VideoId;
import jakarta.servlet.http.HttpServletRequest;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import java.security.Principal;

/** Live task events over SSE, resumable with {@code Last-Event-ID} (or {@code ?lastEventId=} from EventSource polyfills). */
@RestController
class LiveEventController {

    private final LiveEventHub hub;
    private final EventStore eventStore;

    LiveEventController(LiveEventHub hub, EventStore eventStore) {
        this.hub = hub;
        this.eventStore = eventStore;
    }

    @GetMapping(path = "/api/video/tasks/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter all(Principal principal,
                   @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
                   @RequestParam(name = "lastEventId", required = false) String lastEventIdParam) {
        return hub.subscribe(principal.getName(), principal.getName(), null, lastEventId != null ? lastEventId : lastEventIdParam);
    }

    @GetMapping(path = "/api/video/tasks/{videoId}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter one(@PathVariable String videoId, Principal principal, HttpServletRequest request,
                   @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
                   @RequestParam(name = "lastEventId", required = false) String lastEventIdParam) {
        String owner = ownerOf(videoId);
        if (owner == null || !owner.equals(principal.getName()) && !request.isUserInRole("admin")) {
            throw TaskRejectedException.taskNotFound(videoId);
        }
        return hub.subscribe(principal.getName(), owner, videoId, lastEventId != null ? lastEventId : lastEventIdParam);
    }

    private String ownerOf(String videoId) {
        if (!VideoId.isWellFormed(videoId)) {
            return null;
        }
        DomainEventStream events = eventStore.readEvents(videoId);
        return events.hasNext() && events.next().getPayload() instanceof TaskSubmitted submitted ? submitted.owner() : null;
    }
}
