package dev.reelay.command.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.command.port.ModelCatalog;
import dev.reelay.command.port.ModelCatalog.ModelCapabilities;
import dev.reelay.command.port.ReferenceImageStore;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.FieldViolation;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.ReferenceImage;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.text.VisibleText;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns a raw create request into a {@link TaskSpec}, or refuses it with every field that is wrong. Runs before
 * any command is sent, so a refused request leaves nothing behind but (possibly) a content-addressed image blob.
 */
@Component
class TaskRequestValidator {

    static final int MAX_PROMPT = 10_000;
    /** The part of a data URL before the comma: a media type and parameters, ending in ;base64 (checked linearly). */
    private static final Pattern DATA_URL_HEADER = Pattern.compile("[A-Za-z0-9.+/;=_-]{0,200}");
    private static final Pattern NUMBER = Pattern.compile("\\d{1,4}");
    /** How much of a refused model or size a message repeats. */
    private static final int ECHOED = 64;

    private final ModelCatalog catalog;
    private final ReferenceImageStore images;
    private final long maxImageBytes;

    TaskRequestValidator(ModelCatalog catalog, ReferenceImageStore images, UploadProperties upload) {
        this.catalog = catalog;
        this.images = images;
        this.maxImageBytes = upload.maxImageSize().toBytes();
    }

    TaskSpec validate(RawTaskRequest raw) {
        List<FieldViolation> violations = new ArrayList<>();
        String prompt = validPrompt(raw.prompt(), "prompt", violations);
        String modelId = text(raw.model(), "model", violations);
        Optional<ModelCapabilities> model = Optional.empty();
        if (modelId == null && !hasViolation(violations, "model")) {
            violations.add(new FieldViolation("model", "REQUIRED", "model is required; one of " + catalog.modelIds()));
        } else if (modelId != null) {
            model = catalog.find(modelId.trim());
            if (model.isEmpty()) {
                violations.add(new FieldViolation("model", "UNKNOWN_MODEL",
                        "model '" + VisibleText.abbreviate(modelId, ECHOED) + "' is not offered; one of " + catalog.modelIds()));
            }
        }
        String size = text(raw.size(), "size", violations);
        String secondsField = raw.secondsField();
        Integer seconds = seconds(raw, secondsField, violations);
        MediaType mediaType = mediaType(raw.mediaType(), violations);

        if (model.isPresent()) {
            ModelCapabilities caps = model.get();
            if (size == null && !hasViolation(violations, "size")) {
                size = caps.sizes().get(0);
            } else if (size != null && !caps.sizes().contains(size.trim())) {
                violations.add(new FieldViolation("size", "NOT_ALLOWED",
                        "size '" + VisibleText.abbreviate(size, ECHOED) + "' is not offered for " + caps.id() + "; one of " + caps.sizes()));
            }
            if (seconds == null && !hasViolation(violations, secondsField)) {
                seconds = caps.seconds().get(0);
            } else if (seconds != null && !caps.seconds().contains(seconds)) {
                violations.add(new FieldViolation(secondsField, "NOT_ALLOWED",
                        secondsField + " " + seconds + " is not offered for " + caps.id() + "; one of " + caps.seconds()));
            }
            if (mediaType != null && !caps.mediaTypes().contains(mediaType)) {
                violations.add(new FieldViolation("mediaType", "NOT_ALLOWED",
                        "mediaType " + mediaType + " is not offered for " + caps.id() + "; one of " + caps.mediaTypes()));
            }
        }
        boolean hasImage = raw.upload() != null || raw.referenceImage() != null && !raw.referenceImage().isNull();
        if (hasImage && model.isPresent() && !model.get().imageInput()) {
            violations.add(new FieldViolation(raw.upload() != null ? raw.upload().field() : "referenceImage",
                    "NOT_ALLOWED", "model " + model.get().id() + " does not take a reference image"));
        }
        if (!violations.isEmpty()) {
            throw new TaskRejectedException(ErrorCode.VALIDATION_FAILED, describe(violations), violations);
        }
        ReferenceImage image = hasImage ? referenceImage(raw) : null;
        return new TaskSpec(prompt, model.get().id(), size.trim(), seconds, mediaType == null ? MediaType.VIDEO : mediaType, image);
    }

    /** A prompt on its own (a remix's, the prompt assistant's) follows the same rules as a create prompt. */
    String validPrompt(JsonNode prompt) {
        List<FieldViolation> violations = new ArrayList<>();
        String valid = validPrompt(prompt, "prompt", violations);
        if (!violations.isEmpty()) {
            throw new TaskRejectedException(ErrorCode.VALIDATION_FAILED, describe(violations), violations);
        }
        return valid;
    }

    /** A remix may name another offered model; null keeps the source's. */
    String validRemixModel(JsonNode model) {
        List<FieldViolation> violations = new ArrayList<>();
        String id = text(model, "model", violations);
        if (id != null && catalog.find(id.trim()).isEmpty()) {
            violations.add(new FieldViolation("model", "UNKNOWN_MODEL",
                    "model '" + VisibleText.abbreviate(id, ECHOED) + "' is not offered; one of " + catalog.modelIds()));
        }
        if (!violations.isEmpty()) {
            throw new TaskRejectedException(ErrorCode.VALIDATION_FAILED, describe(violations), violations);
        }
        return id == null ? null : id.trim();
    }

    private String validPrompt(JsonNode node, String field, List<FieldViolation> violations) {
        String prompt = text(node, field, violations);
        if (prompt == null) {
            if (!hasViolation(violations, field)) {
                violations.add(new FieldViolation(field, "REQUIRED", "prompt is required"));
            }
            return null;
        }
        String trimmed = prompt.strip();
        if (VisibleText.isBlank(trimmed)) { // whitespace, zero-width and other invisible characters only
            violations.add(new FieldViolation(field, "BLANK", "prompt must not be blank"));
            return null;
        }
        int length = trimmed.codePointCount(0, trimmed.length());
        if (length > MAX_PROMPT) {
            violations.add(new FieldViolation(field, "MAX_LENGTH",
                    "prompt has " + length + " characters; the limit is " + MAX_PROMPT));
            return null;
        }
        if (trimmed.indexOf('\u0000') >= 0) {
            violations.add(new FieldViolation(field, "INVALID_CHARACTER", "prompt must not contain NUL characters"));
            return null;
        }
        if (VisibleText.hasBidiControl(trimmed)) { // they would reorder how the console shows the prompt
            violations.add(new FieldViolation(field, "BIDI_CONTROL", "prompt must not contain bidirectional embedding, "
                    + "override or isolate characters (U+202A-U+202E, U+2066-U+2069)"));
            return null;
        }
        return trimmed;
    }

    private ReferenceImage referenceImage(RawTaskRequest raw) {
        String field;
        byte[] bytes;
        if (raw.upload() != null) {
            field = raw.upload().field();
            bytes = raw.upload().bytes();
            if (bytes.length > maxImageBytes) {
                throw tooLarge(field, bytes.length);
            }
        } else {
            field = "referenceImage";
            JsonNode node = raw.referenceImage();
            if (!node.isTextual()) {
                throw TaskRejectedException.invalidField(field, "TYPE", "referenceImage must be a data URL string");
            }
            String url = node.asText();
            int comma = url.indexOf(',');
            String header = comma < 0 ? "" : url.substring(0, comma);
            if (!url.startsWith("data:") || comma < 0 || !header.endsWith(";base64")
                    || !DATA_URL_HEADER.matcher(header.substring(5)).matches()) {
                throw TaskRejectedException.invalidField(field, "MALFORMED_DATA_URL",
                        "referenceImage must be a data URL like data:image/png;base64,<data>");
            }
            String payload = url.substring(comma + 1).replaceAll("\\s", "");
            long approximate = payload.length() / 4L * 3L;
            if (approximate > maxImageBytes + 3) {
                throw tooLarge(field, approximate);
            }
            try {
                bytes = Base64.getDecoder().decode(payload);
            } catch (IllegalArgumentException e) {
                throw TaskRejectedException.invalidField(field, "MALFORMED_DATA_URL", "referenceImage is not valid base64");
            }
            if (bytes.length > maxImageBytes) {
                throw tooLarge(field, bytes.length);
            }
        }
        if (bytes.length == 0) {
            throw TaskRejectedException.invalidField(field, "EMPTY", field + " is empty");
        }
        ImageSniffer.Kind kind = ImageSniffer.sniff(bytes);
        if (!kind.accepted()) {
            String detected = kind == ImageSniffer.Kind.UNKNOWN ? "not a recognised image" : "a " + kind + " image";
            throw new TaskRejectedException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    field + " is " + detected + "; PNG, JPEG or WebP are accepted",
                    List.of(new FieldViolation(field, "UNSUPPORTED_IMAGE_TYPE", "detected " + kind + "; allowed PNG, JPEG, WEBP")));
        }
        String sha256 = images.store(bytes, kind.contentType);
        return new ReferenceImage(sha256, kind.contentType, bytes.length);
    }

    private TaskRejectedException tooLarge(String field, long size) {
        return new TaskRejectedException(ErrorCode.PAYLOAD_TOO_LARGE,
                field + " is " + size + " bytes; the limit is " + maxImageBytes,
                List.of(new FieldViolation(field, "MAX_SIZE", "image is larger than " + maxImageBytes + " bytes")));
    }

    private static String text(JsonNode node, String field, List<FieldViolation> violations) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            violations.add(new FieldViolation(field, "TYPE", field + " must be a string"));
            return null;
        }
        return node.asText();
    }

    /** {@code duration} is the seed backend's name for {@code seconds}; a request that sends both must mean the same length. */
    private static Integer seconds(RawTaskRequest raw, String field, List<FieldViolation> violations) {
        Integer seconds = wholeNumber(field.equals("seconds") ? raw.seconds() : raw.duration(), field, violations);
        if (field.equals("seconds") && RawTaskRequest.present(raw.duration())) {
            Integer duration = wholeNumber(raw.duration(), "duration", violations);
            if (seconds != null && duration != null && !seconds.equals(duration)) {
                violations.add(new FieldViolation("duration", "CONFLICT",
                        "duration " + duration + " differs from seconds " + seconds + "; send one of them"));
            }
        }
        return seconds;
    }

    private static Integer wholeNumber(JsonNode node, String field, List<FieldViolation> violations) {
        if (!RawTaskRequest.present(node)) {
            return null;
        }
        if (node.isIntegralNumber() && node.canConvertToInt()) {
            return node.asInt();
        }
        if (node.isTextual() && NUMBER.matcher(node.asText().trim()).matches()) {
            return Integer.parseInt(node.asText().trim());
        }
        violations.add(new FieldViolation(field, "TYPE", field + " must be a whole number, e.g. 4 or \"4\""));
        return null;
    }

    private static MediaType mediaType(JsonNode node, List<FieldViolation> violations) {
        String value = text(node, "mediaType", violations);
        if (value == null) {
            return null;
        }
        try {
            return MediaType.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            violations.add(new FieldViolation("mediaType", "ENUM", "mediaType must be VIDEO or IMAGE"));
            return null;
        }
    }

    private static boolean hasViolation(List<FieldViolation> violations, String field) {
        return violations.stream().anyMatch(v -> v.field().equals(field));
    }

    private static String describe(List<FieldViolation> violations) {
        return violations.size() == 1 ? violations.get(0).message()
                : violations.size() + " fields are invalid: " + violations.stream().map(FieldViolation::field).toList();
    }

    /** The largest reference image accepted, in bytes (published by {@link CapabilitiesController}). */
    long maxImageBytes() {
        return maxImageBytes;
    }
}
