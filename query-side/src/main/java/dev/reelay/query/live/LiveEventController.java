package dev.reelay.query.live;

import dev.reelay.kernel.account.Owner;
import dev.reelay.query.access.TaskAccess;
import jakarta.servlet.http.HttpServletRequest;
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
    private final TaskAccess access;

    LiveEventController(LiveEventHub hub, TaskAccess access) {
        this.hub = hub;
        this.access = access;
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
        Owner owner = access.readable(videoId, caller, request, "the live events");
        return hub.subscribe(caller.value(), owner.value(), videoId, lastEventId != null ? lastEventId : lastEventIdParam);
    }
}
