package dev.reelay.command.port;

import dev.reelay.kernel.task.TaskStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetentionPolicyTest {

    private final RetentionPolicy policy = new RetentionPolicy(Duration.ofDays(30), Duration.ofDays(7), Duration.ofDays(2));
    private final Instant now = Instant.parse("2026-12-02T12:00:00Z");

    @Test
    void onlyCompletedFailedAndCancelledTasksExpireInThatOrder() {
        assertThat(policy.expiringStatuses())
                .containsExactly(TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED);
        for (TaskStatus never : new TaskStatus[]{TaskStatus.QUEUED, TaskStatus.PROCESSING, TaskStatus.EXPIRED}) {
            assertThatThrownBy(() -> policy.dueBefore(never, now)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void eachEndStateIsDueAfterItsOwnAge() {
        assertThat(policy.dueBefore(TaskStatus.COMPLETED, now)).isEqualTo(now.minus(Duration.ofDays(30)));
        assertThat(policy.dueBefore(TaskStatus.FAILED, now)).isEqualTo(now.minus(Duration.ofDays(7)));
        assertThat(policy.dueBefore(TaskStatus.CANCELLED, now)).isEqualTo(now.minus(Duration.ofDays(2)));
    }

    @Test
    void theReasonNamesTheEndStateAndItsAge() {
        assertThat(policy.reason(TaskStatus.FAILED)).isEqualTo("retention: failed after PT168H");
    }

    @Test
    void aRetentionMustBePositive() {
        assertThatThrownBy(() -> new RetentionPolicy(Duration.ZERO, Duration.ofDays(1), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetentionPolicy(Duration.ofDays(1), null, Duration.ofDays(1)))
                .isInstanceOf(NullPointerException.class);
    }
}
