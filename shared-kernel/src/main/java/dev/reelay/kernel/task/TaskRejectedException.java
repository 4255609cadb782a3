package dev.reelay.kernel.task;

import dev.reelay.kernel.text.VisibleText;

import java.util.List;

/** A refusal with a typed code; carried from command handlers and request validation to the web edge. */
public class TaskRejectedException extends RuntimeException {

    private final ErrorCode code;
    private final transient List<FieldViolation> violations;

    public TaskRejectedException(ErrorCode code, String detail) {
        this(code, detail, List.of());
    }

    public TaskRejectedException(ErrorCode code, String detail, List<FieldViolation> violations) {
        super(detail, null, false, false);
        this.code = code;
        this.violations = List.copyOf(violations);
    }

    public static TaskRejectedException invalidField(String field, String code, String message) {
        return new TaskRejectedException(ErrorCode.VALIDATION_FAILED, message, List.of(new FieldViolation(field, code, message)));
    }

    /** The one way to say "no such task" (for missing and for someone else's alike); echoes at most 80 characters. */
    public static TaskRejectedException taskNotFound(String videoId) {
        String shown = videoId == null ? "" : VisibleText.abbreviate(videoId, 80);
        return new TaskRejectedException(ErrorCode.TASK_NOT_FOUND, "no task " + shown);
    }

    public ErrorCode code() {
        return code;
    }

    public List<FieldViolation> violations() {
        return violations;
    }
}
