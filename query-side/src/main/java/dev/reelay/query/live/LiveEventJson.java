package dev.reelay.query.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.springframework.stereotype.Component;

import java.io.UncheckedIOException;

/**
 * Serialises a task event for SSE once, with the application's {@link ObjectMapper}: the mapper Spring MVC would
 * convert the same body with, so every subscriber gets the bytes a conversion per subscriber would have written.
 */
@Component
class LiveEventJson {

    private final ObjectMapper json;

    LiveEventJson(ObjectMapper json) {
        this.json = json;
    }

    OutgoingEvent outgoing(TrackedEventMessage<?> event) {
        try {
            return new OutgoingEvent(event.trackingToken(), json.writeValueAsBytes(LiveEventBody.of(event)));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
