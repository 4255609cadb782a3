package dev.reelay.kernel.task;

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

    public ErrorCode code() {
        return code;
    }

    public List<FieldViolation> violations() {
        return violations;
    }
}
