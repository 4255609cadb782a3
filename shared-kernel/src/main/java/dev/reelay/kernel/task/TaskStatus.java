package dev.reelay.kernel.task;

/** Where a task stands in its lifecycle. */
public enum TaskStatus {
    QUEUED, PROCESSING, COMPLETED, FAILED, CANCELLED, EXPIRED;

    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED || this == EXPIRED;
    }
}
