package dev.reelay.kernel.task;

/** What a task produces. */
public enum MediaType {
    VIDEO, IMAGE
}
