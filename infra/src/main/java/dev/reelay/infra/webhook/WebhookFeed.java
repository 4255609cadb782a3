package dev.reelay.infra.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.kernel.event.TaskEvent;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.query.BatchBuffers;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Optional;

/**
 * Feeds the delivery queue from the event stream. A tracking processor: its token moves in the same transaction as
 * the rows it writes, so a restart neither loses an event nor queues one twice (and {@code (endpoint, event)} is
 * unique besides); any node may run it. Each task's own events arrive in order, and each delivery remembers its
 * event's position, which the dispatcher keeps per endpoint and task. The feed's copy of each task is read and written
 * once per processor batch ({@link FeedBatch}); a delivery's body is the task as of its own event all the same. While
 * no endpoint exists, the feed keeps no copies (one query per batch); a task begun then is rebuilt from its events
 * when one of them first finds an endpoint.
 */
@Component
@ProcessingGroup(WebhookFeed.GROUP)
public class WebhookFeed {

    public static final String GROUP = "client-webhooks";
    private static final String BATCH = WebhookFeed.class.getName() + ".batch";

    private final JdbcTemplate jdbc;
    private final Endpoints endpoints;
    private final DeliveryQueue queue;
    private final ObjectMapper json;
    private final EventStore eventStore;

    WebhookFeed(JdbcTemplate jdbc, Endpoints endpoints, DeliveryQueue queue, ObjectMapper json, EventStore eventStore) {
        this.jdbc = jdbc;
        this.endpoints = endpoints;
        this.queue = queue;
        this.json = json;
        this.eventStore = eventStore;
    }

    @EventHandler
    void on(TaskEvent event, EventMessage<?> message, TrackingToken token) throws JsonProcessingException {
        String videoId = event.videoId().value();
        if (!(message instanceof DomainEventMessage<?> domain) || !videoId.equals(domain.getAggregateIdentifier())) {
            return; // an account's event about the task: not one of the task's own
        }
        FeedBatch batch = BatchBuffers.current(BATCH, () -> new FeedBatch(jdbc, endpoints, json, eventStore),
                FeedBatch::write);
        if (!batch.anyEndpoint()) {
            return; // nobody to tell, and no copy to keep
        }
        FeedBatch.Task task;
        if (event instanceof TaskSubmitted submitted) {
            task = batch.start(videoId, submitted.owner(), TaskData.submitted(submitted));
        } else {
            Optional<FeedBatch.Task> found = batch.find(videoId, domain.getSequenceNumber());
            if (found.isEmpty() || found.get().expired()) {
                return;
            }
            task = found.get();
            if (!task.follow(event)) {
                return;
            }
        }
        Optional<WebhookEventType> type = WebhookEventType.of(event);
        if (type.isEmpty()) {
            return;
        }
        List<String> subscribers = batch.subscriptions(task.owner).stream()
                .filter(s -> s.takes(type.get(), message.getTimestamp())).map(Endpoints.Subscription::id).toList();
        if (subscribers.isEmpty()) {
            return;
        }
        String eventId = "evt_" + message.getIdentifier().replace("-", "");
        String body = json.writeValueAsString(WebhookEvent.of(eventId, type.get(), message.getTimestamp().getEpochSecond(),
                task.data()));
        long position = token.position().orElseThrow(); // the global index: orders a task's deliveries
        for (String endpoint : subscribers) {
            queue.enqueue(endpoint, task.owner, eventId, type.get(), videoId, position, body);
        }
    }
}
