package dev.reelay.infra.webhook;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A delivery's body, shaped like OpenAI's webhook events: {@code created_at} in Unix seconds. */
record WebhookEvent(String id, String object, String type, @JsonProperty("created_at") long createdAt, TaskData data) {

    static WebhookEvent of(String id, WebhookEventType type, long createdAt, TaskData data) {
        return new WebhookEvent(id, "event", type.wire, createdAt, data);
    }
}
