package dev.reelay.kernel.task;

/** How a task derives from another; grows with new operations (edit, extend). */
public enum LineageKind {
    REMIX
}
