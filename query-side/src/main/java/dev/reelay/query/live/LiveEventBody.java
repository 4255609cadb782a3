package dev.reelay.query.live;

import dev.reelay.kernel.event.TaskEvent;
import org.axonframework.eventhandling.TrackedEventMessage;

import java.time.Instant;

/**
 * The JSON body of one SSE event. Events are sent unnamed (the default {@code message} type), so {@code type} here is
 * the only place that says which event it is.
 */
record LiveEventBody(String videoId, String type, Instant time, Object payload) {

    static LiveEventBody of(TrackedEventMessage<?> event) {
        return new LiveEventBody(((TaskEvent) event.getPayload()).videoId().value(),
                event.getPayloadType().getSimpleName(), event.getTimestamp(), event.getPayload());
    }
}
