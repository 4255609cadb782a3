package dev.reelay.query.live;

import dev.reelay.kernel.event.TaskEvent;
import org.axonframework.eventhandling.TrackedEventMessage;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON body of one SSE event. Events are sent unnamed (the default {@code message} type), so {@code type} here is
 * the only place that says which event it is.
 */
final class LiveEvents {

    static Map<String, Object> describe(TrackedEventMessage<?> event) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("videoId", ((TaskEvent) event.getPayload()).videoId().value());
        body.put("type", event.getPayloadType().getSimpleName());
        body.put("time", event.getTimestamp());
        body.put("payload", event.getPayload());
        return body;
    }

    private LiveEvents() {
    }
}
