package dev.reelay.command.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;

/** The write routes read named fields, so a body that parses as JSON but is no object is refused before any check. */
final class JsonBodies {

    private JsonBodies() {
    }

    static ObjectNode object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new TaskRejectedException(ErrorCode.MALFORMED_REQUEST, "The request body must be a JSON object");
        }
        return (ObjectNode) body;
    }
}
