package dev.reelay.infra.webhook;

import dev.reelay.kernel.event.ProgressUpdated;
import dev.reelay.kernel.event.TaskCancelled;
import dev.reelay.kernel.event.TaskCompleted;
import dev.reelay.kernel.event.TaskExpired;
import dev.reelay.kernel.event.TaskFailed;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.event.UpstreamTaskAccepted;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The event types a client endpoint may subscribe to, named as OpenAI names its video webhooks, and the task event
 * each one stands for. {@code video.progress} is sent only to endpoints that list it.
 */
enum WebhookEventType {
    QUEUED("video.queued", TaskSubmitted.class),
    PROCESSING("video.processing", UpstreamTaskAccepted.class),
    PROGRESS("video.progress", ProgressUpdated.class),
    COMPLETED("video.completed", TaskCompleted.class),
    FAILED("video.failed", TaskFailed.class),
    CANCELLED("video.cancelled", TaskCancelled.class),
    EXPIRED("video.expired", TaskExpired.class);

    static final List<String> NAMES = Arrays.stream(values()).map(t -> t.wire).toList();

    final String wire;
    private final Class<?> event;

    WebhookEventType(String wire, Class<?> event) {
        this.wire = wire;
        this.event = event;
    }

    static Optional<WebhookEventType> named(String wire) {
        return Arrays.stream(values()).filter(t -> t.wire.equals(wire)).findFirst();
    }

    static Optional<WebhookEventType> of(Object taskEvent) {
        return Arrays.stream(values()).filter(t -> t.event.isInstance(taskEvent)).findFirst();
    }
}
