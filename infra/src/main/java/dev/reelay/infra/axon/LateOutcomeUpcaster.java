package dev.reelay.infra.axon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.kernel.event.LateOutcomeRecorded;
import dev.reelay.kernel.task.ErrorCode;
import org.axonframework.serialization.SerializedType;
import org.axonframework.serialization.SimpleSerializedType;
import org.axonframework.serialization.upcasting.event.IntermediateEventRepresentation;
import org.axonframework.serialization.upcasting.event.SingleEventUpcaster;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

import java.util.Arrays;

/**
 * Reads a stored {@link LateOutcomeRecorded} of revision 1, whose {@code detail} string packed the outcome's data
 * ({@code providerId:externalTaskId}, the content location, or {@code ERROR_CODE: message}), into revision 2's typed
 * fields. This is the only place that still parses that string: the stored events stay as written, every reader
 * (aggregate, saga, history) sees the typed shape. Events are stored as JSON (Jackson, application.yml
 * {@code axon.serializer.events}), so the payload is reshaped as a JSON tree.
 */
@Component
@Order(0)
class LateOutcomeUpcaster extends SingleEventUpcaster {

    static final SerializedType REVISION_1 = new SimpleSerializedType(LateOutcomeRecorded.class.getTypeName(), "1");
    static final SerializedType REVISION_2 = new SimpleSerializedType(LateOutcomeRecorded.class.getTypeName(), "2");

    @Override
    protected boolean canUpcast(IntermediateEventRepresentation representation) {
        return representation.getType().equals(REVISION_1);
    }

    @Override
    protected IntermediateEventRepresentation doUpcast(IntermediateEventRepresentation representation) {
        return representation.upcastPayload(REVISION_2, JsonNode.class, LateOutcomeUpcaster::reshape);
    }

    static JsonNode reshape(JsonNode revision1) {
        ObjectNode event = ((ObjectNode) revision1.deepCopy());
        JsonNode detailNode = event.remove("detail");
        String detail = detailNode == null || detailNode.isNull() ? null : detailNode.asText();
        String outcome = event.path("outcome").asText();
        switch (outcome) {
            case "UPSTREAM_ACCEPTED" -> {
                int colon = detail == null ? -1 : detail.indexOf(':');
                if (colon > 0) {
                    event.put("providerId", detail.substring(0, colon));
                    event.put("externalTaskId", detail.substring(colon + 1));
                }
            }
            case "COMPLETED" -> event.put("contentLocation", detail);
            case "FAILED" -> failure(event, detail);
            default -> {
                // revision 1 only ever wrote the three outcomes above
            }
        }
        return event;
    }

    /** {@code ERROR_CODE: message} as {@code VideoTask} wrote it; anything else is kept whole as the message. */
    private static void failure(ObjectNode event, String detail) {
        int separator = detail == null ? -1 : detail.indexOf(": ");
        String code = separator > 0 ? detail.substring(0, separator) : null;
        if (code != null && Arrays.stream(ErrorCode.values()).anyMatch(known -> known.name().equals(code))) {
            event.put("errorCode", code);
            event.put("message", detail.substring(separator + 2));
        } else {
            event.put("message", detail);
        }
    }
}
