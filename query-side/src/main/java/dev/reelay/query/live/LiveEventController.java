package dev.reelay.query.live;

import dev.reelay.kernel.account.Owner;
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
    SseEmitter all(Owner caller,
                   @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
                   @RequestParam(name = "lastEventId", required = false) String lastEventIdParam) {
        return hub.subscribe(caller.value(), caller.value(), null, lastEventId != null ? lastEventId : lastEventIdParam);
    }

    @GetMapping(path = "/api/video/tasks/{videoId}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter one(@PathVariable String videoId, Owner caller, HttpServletRequest request,
                   @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
                   @RequestParam(name = "lastEventId", required = false) String lastEventIdParam) {
        Owner owner = ownerOf(videoId).orElseThrow(() -> TaskRejectedException.taskNotFound(videoId));
        if (!owner.equals(caller) && !request.isUserInRole("admin")) {
            throw TaskRejectedException.taskNotFound(videoId);
        }
        return hub.subscribe(caller.value(), owner.value(), videoId, lastEventId != null ? lastEventId : lastEventIdParam);
    }

    private java.util.Optional<Owner> ownerOf(String videoId) {
        if (!VideoId.isWellFormed(videoId)) {
            return java.util.Optional.empty();
        }
        DomainEventStream events = eventStore.readEvents(videoId);
        return events.hasNext() && events.next().getPayload() instanceof TaskSubmitted submitted
                ? Owner.parse(submitted.owner()) : java.util.Optional.empty();
    }
}
