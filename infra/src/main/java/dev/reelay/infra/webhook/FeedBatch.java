package dev.reelay.infra.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.kernel.event.TaskExpired;
import dev.reelay.kernel.event.TaskSubmitted;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.jdbc.core.JdbcTemplate;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the webhook feed reads and writes over one processor batch: each task's {@code webhook_task} row read once (by
 * primary key) and parsed once, each owner's enabled endpoints read once, and the changed rows written back when the
 * batch prepares to commit, as one JDBC batch of upserts and one of deletes, in the transaction that also stores the
 * processor's token. Before, every task event cost a read, a parse, a write and an endpoint query of its own.
 * <p>
 * An owner's endpoints are those enabled when the batch first needed them; an endpoint enabled, disabled or added
 * while the batch runs (milliseconds) counts from the next batch.
 * <p>
 * While no endpoint exists at all (most deployments, and every benchmark), there is no delivery to make and no copy is
 * kept: one query per batch, instead of a read and a write per task event. Copies left from a time with endpoints are
 * deleted then, so none goes stale. A task whose copy is missing once endpoints exist (it began while there were none)
 * is rebuilt from its own events before the one at hand, read from the event store once, and followed from there.
 */
final class FeedBatch {

    /** A task as the feed knows it: its owner and the data a delivery carries. */
    static final class Task {
        final String owner;
        private TaskData data;
        private boolean changed;
        private boolean expired;

        private Task(String owner, TaskData data) {
            this.owner = owner;
            this.data = data;
        }

        TaskData data() {
            return data;
        }

        /** Whether an expiry ended it in this batch: nothing follows an expiry. */
        boolean expired() {
            return expired;
        }

        /**
         * Follows one of the task's later events; false when it is none a client hears about. Written back when the
         * batch commits (deleted after an expiry).
         */
        boolean follow(Object event) {
            TaskData after = data.after(event);
            if (after == null) {
                return false;
            }
            data = after;
            changed = true;
            expired = event instanceof TaskExpired;
            return true;
        }
    }

    private final JdbcTemplate jdbc;
    private final Endpoints endpoints;
    private final ObjectMapper json;
    private final EventStore eventStore;
    /** Whether any endpoint exists, enabled or not; asked once per batch. */
    private Boolean anyEndpoint;
    /** Every task looked at in this batch (empty when the feed has no row for it), in first-touch order. */
    private final Map<String, Optional<Task>> tasks = new LinkedHashMap<>();
    private final Map<String, List<Endpoints.Subscription>> subscriptions = new HashMap<>();

    FeedBatch(JdbcTemplate jdbc, Endpoints endpoints, ObjectMapper json, EventStore eventStore) {
        this.jdbc = jdbc;
        this.endpoints = endpoints;
        this.json = json;
        this.eventStore = eventStore;
    }

    /**
     * Whether any endpoint exists. The first time in a batch that finds none, copies kept from a time with endpoints
     * are deleted: they would not follow the events that come while there are none.
     */
    boolean anyEndpoint() {
        if (anyEndpoint == null) {
            // one statement: the delete runs only when there is no endpoint (a one-time filter, no scan otherwise)
            anyEndpoint = jdbc.queryForObject("""
                    with cleared as (delete from webhook_task where not exists (select 1 from webhook_endpoint))
                    select exists(select 1 from webhook_endpoint)
                    """, Boolean.class);
        }
        return anyEndpoint;
    }

    /**
     * The task as this batch has it so far; read from the table the first time, or, without a row, rebuilt from the
     * task's events that came before the one at {@code sequence}.
     */
    Optional<Task> find(String videoId, long sequence) {
        return tasks.computeIfAbsent(videoId, id -> jdbc.query("select owner, data from webhook_task where video_id = ?",
                        (rs, n) -> new Task(rs.getString("owner"), parse(rs.getString("data"))), id).stream().findFirst()
                .or(() -> rebuilt(id, sequence)));
    }

    /**
     * The task as its events before {@code sequence} left it, as the feed would have followed it; empty if they do not
     * begin with its submission. Marked changed, so its copy is written with the batch (deleted if it expired).
     */
    private Optional<Task> rebuilt(String videoId, long sequence) {
        Task task = null;
        DomainEventStream events = eventStore.readEvents(videoId, 0);
        while (events.hasNext()) {
            DomainEventMessage<?> event = events.next();
            if (event.getSequenceNumber() >= sequence) {
                break;
            }
            Object payload = event.getPayload();
            if (task == null) {
                if (!(payload instanceof TaskSubmitted submitted)) {
                    return Optional.empty();
                }
                task = new Task(submitted.owner(), TaskData.submitted(submitted));
                task.changed = true;
            } else if (!task.expired) {
                task.follow(payload);
            }
        }
        return Optional.ofNullable(task);
    }

    /** A task the feed starts following (its {@code TaskSubmitted}); written as an upsert. */
    Task start(String videoId, String owner, TaskData data) {
        Task task = new Task(owner, data);
        task.changed = true;
        tasks.put(videoId, Optional.of(task));
        return task;
    }

    /** The enabled endpoints of {@code owner}, read once per batch. */
    List<Endpoints.Subscription> subscriptions(String owner) {
        return subscriptions.computeIfAbsent(owner, endpoints::subscriptions);
    }

    /** Writes what the batch changed: rows of expired tasks are deleted (nothing follows an expiry), others upserted. */
    void write() {
        List<Object[]> upserts = new ArrayList<>();
        List<Object[]> deletes = new ArrayList<>();
        tasks.forEach((videoId, found) -> found.filter(task -> task.changed).ifPresent(task -> {
            if (task.expired) {
                deletes.add(new Object[]{videoId});
            } else {
                upserts.add(new Object[]{videoId, task.owner, serialise(task.data)});
            }
        }));
        if (!upserts.isEmpty()) {
            jdbc.batchUpdate("insert into webhook_task(video_id, owner, data) values (?, ?, ?) on conflict (video_id) "
                    + "do update set owner = excluded.owner, data = excluded.data", upserts);
        }
        if (!deletes.isEmpty()) {
            jdbc.batchUpdate("delete from webhook_task where video_id = ?", deletes);
        }
    }

    private TaskData parse(String data) {
        try {
            return json.readValue(data, TaskData.class);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String serialise(TaskData data) {
        try {
            return json.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
