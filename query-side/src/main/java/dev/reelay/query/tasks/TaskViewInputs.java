package dev.reelay.query.tasks;

import dev.reelay.kernel.event.QuotaCaptured;
import dev.reelay.kernel.event.QuotaHeld;
import dev.reelay.kernel.event.QuotaReleased;
import dev.reelay.kernel.event.TaskEvent;

import java.util.Set;

/** What task-views reads of the events about a task. */
public final class TaskViewInputs {

    /**
     * Events about a task that a user's account records and that change nothing in the task's view: the quota's
     * movements. task-views receives them as {@link TaskEvent}s but never deserialises their payloads, neither to
     * order them (infra's sequencing policy places them by their account) nor to handle them.
     */
    public static final Set<Class<?>> NOT_SHOWN = Set.of(QuotaHeld.class, QuotaCaptured.class, QuotaReleased.class);

    private TaskViewInputs() {
    }
}
