package dev.reelay.command.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Map;

/**
 * A create request as it arrived (JSON fields or multipart parts), before any checks; the validator turns it into
 * a {@code TaskSpec} or a list of field violations.
 */
record RawTaskRequest(JsonNode prompt, JsonNode model, JsonNode size, JsonNode seconds, JsonNode mediaType,
                      JsonNode referenceImage, UploadedImage upload) {

    /** An uploaded file part: its field name, declared type, and bytes. */
    record UploadedImage(String field, String declaredType, byte[] bytes) {
    }

    static RawTaskRequest fromJson(JsonNode body) {
        return new RawTaskRequest(body.get("prompt"), body.get("model"), body.get("size"),
                body.has("seconds") ? body.get("seconds") : body.get("duration"),
                body.get("mediaType"), body.get("referenceImage"), null);
    }

    static RawTaskRequest fromForm(Map<String, String> fields, UploadedImage upload) {
        String seconds = fields.containsKey("seconds") ? fields.get("seconds") : fields.get("duration");
        return new RawTaskRequest(text(fields.get("prompt")), text(fields.get("model")), text(fields.get("size")),
                text(seconds), text(fields.get("mediaType")), text(fields.get("referenceImage")), upload);
    }

    private static JsonNode text(String value) {
        return value == null ? null : TextNode.valueOf(value);
    }
}
