package dev.reelay.command.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Map;

/**
 * A create request as it arrived (JSON fields or multipart parts), before any checks; the validator turns it into
 * a {@code TaskSpec} or a list of field violations.
 */
record RawTaskRequest(JsonNode prompt, JsonNode model, JsonNode size, JsonNode seconds, JsonNode duration,
                      JsonNode mediaType, JsonNode referenceImage, UploadedImage upload) {

    /** An uploaded file part: its field name, declared type, and bytes. */
    record UploadedImage(String field, String declaredType, byte[] bytes) {
    }

    static RawTaskRequest fromJson(JsonNode body) {
        return new RawTaskRequest(body.get("prompt"), body.get("model"), body.get("size"), body.get("seconds"),
                body.get("duration"), body.get("mediaType"), body.get("referenceImage"), null);
    }

    static RawTaskRequest fromForm(Map<String, String> fields, UploadedImage upload) {
        return new RawTaskRequest(text(fields.get("prompt")), text(fields.get("model")), text(fields.get("size")),
                text(fields.get("seconds")), text(fields.get("duration")), text(fields.get("mediaType")),
                text(fields.get("referenceImage")), upload);
    }

    /**
     * The seed backend names the length {@code duration}, OpenAI clients {@code seconds}: the field this request used, so that
     * a violation names what the client sent ({@code seconds} when it sent both, or neither).
     */
    String secondsField() {
        return present(seconds) || !present(duration) ? "seconds" : "duration";
    }

    static boolean present(JsonNode node) {
        return node != null && !node.isNull();
    }

    private static JsonNode text(String value) {
        return value == null ? null : TextNode.valueOf(value);
    }
}
