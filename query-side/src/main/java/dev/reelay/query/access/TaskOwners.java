package dev.reelay.query.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.springframework.stereotype.Component;

import java.util.Optional;

/**
 * The one source for "who owns this task": the owner named by the task's {@code TaskSubmitted}, its first event.
 * The event store has it the moment the create returns, on every node, while a view row may still be on its way.
 * An owner never changes, so each node keeps the answers it has read in a bounded cache; nothing there can go stale.
 * {@code task_view.owner} is a copy for the list queries' {@code WHERE owner = ?}, filled from the same event.
 */
@Component
public class TaskOwners {

    static final long CACHED_TASKS = 100_000;

    private final EventStore eventStore;
    private final Cache<String, String> owners = Caffeine.newBuilder().maximumSize(CACHED_TASKS).build();

    public TaskOwners(EventStore eventStore) {
        this.eventStore = eventStore;
    }

    /** The owner of {@code videoId}; empty for a malformed or unknown id. */
    public Optional<Owner> ownerOf(String videoId) {
        return ownerValueOf(videoId).flatMap(Owner::parse);
    }

    /** The owner's raw value (as events carry it); empty for a malformed or unknown id. */
    public Optional<String> ownerValueOf(String videoId) {
        if (videoId == null || !VideoId.isWellFormed(videoId)) {
            return Optional.empty();
        }
        String cached = owners.getIfPresent(videoId);
        if (cached != null) {
            return Optional.of(cached);
        }
        DomainEventStream history = eventStore.readEvents(videoId);
        if (history.hasNext() && history.next().getPayload() instanceof TaskSubmitted submitted) {
            owners.put(videoId, submitted.owner());
            return Optional.of(submitted.owner());
        }
        return Optional.empty();
    }

    /** Records an owner seen on a live {@code TaskSubmitted}, so the first event of a new task costs no read. */
    public void remember(TaskSubmitted submitted) {
        owners.put(submitted.videoId().value(), submitted.owner());
    }
}
