package dev.reelay.query.history;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.kernel.event.AuditMetaData;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.query.access.TaskAccess;
import jakarta.servlet.http.HttpServletRequest;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.MetaData;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The audit view: a task's events straight from the event store, in order, with who caused each and from which
 * request. It needs no projection, so it is exact even while views are being rebuilt.
 */
@RestController
class TaskHistoryController {

    private final EventStore eventStore;
    private final TaskAccess access;
    private final ReadablePayloads payloads;
    private final Clock clock;

    TaskHistoryController(EventStore eventStore, TaskAccess access, ReadablePayloads payloads, Clock clock) {
        this.eventStore = eventStore;
        this.payloads = payloads;
        this.access = access;
        this.clock = clock;
    }

    /** A task's events; metadata a request did not carry (e.g. no trace) is left out; ids in payloads are plain strings. */
    record TaskHistory(String videoId, List<Entry> events) {

        record Entry(long sequence, String type, String eventId, Instant time, String principal, String correlationId,
                     String traceId, JsonNode payload) {

            static Entry of(DomainEventMessage<?> event, ReadablePayloads payloads) {
                MetaData meta = event.getMetaData();
                return new Entry(event.getSequenceNumber(), event.getPayloadType().getSimpleName(),
                        event.getIdentifier(), event.getTimestamp(), text(meta, AuditMetaData.PRINCIPAL),
                        text(meta, AuditMetaData.CORRELATION_ID), text(meta, AuditMetaData.TRACE_ID), payloads.of(event.getPayload()));
            }

            private static String text(MetaData meta, String key) {
                return Objects.toString(meta.get(key), null);
            }
        }
    }

    @GetMapping("/api/video/tasks/{videoId}/history")
    SeedEnvelope<TaskHistory> history(@PathVariable String videoId, Owner caller, HttpServletRequest request) {
        long started = clock.millis();
        access.readable(videoId, caller, request, "the history");
        List<TaskHistory.Entry> events = new ArrayList<>();
        DomainEventStream stream = eventStore.readEvents(videoId);
        while (stream.hasNext()) {
            events.add(TaskHistory.Entry.of(stream.next(), payloads));
        }
        return SeedEnvelope.of(new TaskHistory(videoId, events), clock.millis() - started);
    }
}
