package dev.reelay.command.port;

import dev.reelay.kernel.task.TaskStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How long a task that ended is kept before it expires, by how it ended: completed, failed and cancelled tasks
 * expire after their own age; tasks still running, and tasks that already expired, never do. Expiry deletes the
 * content; the events stay as the audit trail.
 */
public record RetentionPolicy(Duration completed, Duration failed, Duration cancelled) {

    public RetentionPolicy {
        for (Duration age : new Duration[]{completed, failed, cancelled}) {
            if (Objects.requireNonNull(age, "every ended status needs a retention").isNegative() || age.isZero()) {
                throw new IllegalArgumentException("a retention must be positive, got " + age);
            }
        }
    }

    /** The end states that expire, in the order a sweep handles them. */
    public Set<TaskStatus> expiringStatuses() {
        return ages().keySet();
    }

    /** A task that ended with {@code status} is due once it ended before this instant. */
    public Instant dueBefore(TaskStatus status, Instant now) {
        return now.minus(ageOf(status));
    }

    /** The reason {@code TaskExpired} carries for a task that ended with {@code status}. */
    public String reason(TaskStatus status) {
        return "retention: " + status.name().toLowerCase(Locale.ROOT) + " after " + ageOf(status);
    }

    private Duration ageOf(TaskStatus status) {
        Duration age = ages().get(status);
        if (age == null) {
            throw new IllegalArgumentException("a task that is " + status + " does not expire");
        }
        return age;
    }

    private Map<TaskStatus, Duration> ages() {
        Map<TaskStatus, Duration> ages = new EnumMap<>(TaskStatus.class);
        ages.put(TaskStatus.COMPLETED, completed);
        ages.put(TaskStatus.FAILED, failed);
        ages.put(TaskStatus.CANCELLED, cancelled);
        return Collections.unmodifiableMap(ages);
    }
}
