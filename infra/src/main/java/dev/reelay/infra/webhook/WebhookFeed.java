package dev.reelay.infra.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.kernel.event.TaskEvent;
import dev.reelay.kernel.event.TaskExpired;
import dev.reelay.kernel.event.TaskSubmitted;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Optional;

/**
 * Feeds the delivery queue from the event stream. A tracking processor: its token moves in the same transaction as
 * the rows it writes, so a restart neither loses an event nor queues one twice (and {@code (endpoint, event)} is
 * unique besides); any node may run it. Each task's own events arrive in order, and each delivery remembers its
 * event's position, which the dispatcher keeps per endpoint and task.
 */
@Component
@ProcessingGroup(WebhookFeed.GROUP)
class WebhookFeed {

    static final String GROUP = "client-webhooks";

    private final JdbcTemplate jdbc;
    private final Endpoints endpoints;
    private final DeliveryQueue queue;
    private final ObjectMapper json;

    WebhookFeed(JdbcTemplate jdbc, Endpoints endpoints, DeliveryQueue queue, ObjectMapper json) {
        this.jdbc = jdbc;
        this.endpoints = endpoints;
        this.queue = queue;
        this.json = json;
    }

    @EventHandler
    void on(TaskEvent event, EventMessage<?> message, TrackingToken token) throws JsonProcessingException {
        String videoId = event.videoId().value();
        if (!(message instanceof DomainEventMessage<?> domain) || !videoId.equals(domain.getAggregateIdentifier())) {
            return; // an account's event about the task: not one of the task's own
        }
        String owner;
        TaskData data;
        if (event instanceof TaskSubmitted submitted) {
            owner = submitted.owner();
            data = TaskData.submitted(submitted);
            jdbc.update("insert into webhook_task(video_id, owner, data) values (?, ?, ?) on conflict (video_id) "
                    + "do update set owner = excluded.owner, data = excluded.data", videoId, owner, json.writeValueAsString(data));
        } else {
            Optional<Stored> stored = jdbc.query("select owner, data from webhook_task where video_id = ?",
                    (rs, n) -> new Stored(rs.getString("owner"), rs.getString("data")), videoId).stream().findFirst();
            if (stored.isEmpty()) {
                return;
            }
            owner = stored.get().owner();
            data = json.readValue(stored.get().data(), TaskData.class).after(event);
            if (data == null) {
                return;
            }
            if (event instanceof TaskExpired) {
                jdbc.update("delete from webhook_task where video_id = ?", videoId); // nothing follows an expiry
            } else {
                jdbc.update("update webhook_task set data = ? where video_id = ?", json.writeValueAsString(data), videoId);
            }
        }
        Optional<WebhookEventType> type = WebhookEventType.of(event);
        if (type.isEmpty()) {
            return;
        }
        List<String> subscribers = endpoints.subscribers(owner, type.get(), message.getTimestamp());
        if (subscribers.isEmpty()) {
            return;
        }
        String eventId = "evt_" + message.getIdentifier().replace("-", "");
        String body = json.writeValueAsString(WebhookEvent.of(eventId, type.get(), message.getTimestamp().getEpochSecond(), data));
        long position = token.position().orElseThrow(); // the global index: orders a task's deliveries
        for (String endpoint : subscribers) {
            queue.enqueue(endpoint, owner, eventId, type.get(), videoId, position, body);
        }
    }

    private record Stored(String owner, String data) {
    }
}
