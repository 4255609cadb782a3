package dev.reelay.query.history;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.task.VideoId;
import org.springframework.stereotype.Component;

/**
 * Event payloads as a person reads them: ids as plain strings ({@code "videoId": "video_…"}, not
 * {@code {"value": "video_…"}}). Only for showing events (the history route, the audit export): what the event store
 * holds and how Axon reads it back are untouched.
 */
@Component
public class ReadablePayloads {

    private final ObjectMapper mapper;

    public ReadablePayloads(ObjectMapper json) {
        this.mapper = json.copy().addMixIn(VideoId.class, IdAsText.class).addMixIn(AccountId.class, IdAsText.class);
    }

    public JsonNode of(Object payload) {
        return mapper.valueToTree(payload);
    }

    /** Writes an id record as its value. */
    private abstract static class IdAsText {
        @JsonValue
        abstract String value();
    }
}
