package dev.reelay.query.access;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.mock.web.MockHttpServletRequest;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The owner/admin/404 rule over a real {@link TaskOwners} reading an in-memory event store. */
class TaskAccessTest {

    private static final Owner ALICE = new Owner("alice");
    private static final Owner BOB = new Owner("bob");
    private static final Owner ROOT = new Owner("root");

    private final EmbeddedEventStore eventStore = EmbeddedEventStore.builder()
            .storageEngine(new InMemoryEventStorageEngine()).build();
    private final TaskAccess access = new TaskAccess(new TaskOwners(eventStore));
    private final ListAppender<ILoggingEvent> auditLines = new ListAppender<>();
    private final Logger audit = (Logger) LoggerFactory.getLogger("reelay.audit");
    private String alicesTask;

    @BeforeEach
    void aliceHasATask() {
        alicesTask = VideoId.random().value();
        eventStore.publish(new GenericDomainEventMessage<>("VideoTask", alicesTask, 0,
                new TaskSubmitted(new VideoId(alicesTask), ALICE.value(), null, null, Instant.now())));
        auditLines.start();
        audit.addAppender(auditLines);
    }

    @AfterEach
    void stop() {
        audit.detachAppender(auditLines);
        eventStore.shutDown();
    }

    @Test
    void theOwnerReadsTheirTaskAndNothingIsAudited() {
        assertThat(access.readable(alicesTask, ALICE, request("/api/video/tasks/" + alicesTask), "the task"))
                .isEqualTo(ALICE);
        assertThat(auditLines.list).isEmpty();
    }

    @Test
    void anAdminReadsAnotherOwnersTaskAndAnAuditLineSaysWhoReadWhat() {
        MockHttpServletRequest request = request("/api/video/tasks/" + alicesTask + "/history");
        request.addUserRole(TaskAccess.ADMIN_ROLE);

        assertThat(access.readable(alicesTask, ROOT, request, "the history")).isEqualTo(ALICE);

        assertThat(auditLines.list).singleElement().extracting(ILoggingEvent::getFormattedMessage)
                .isEqualTo("admin root read the history of task " + alicesTask + " owned by alice via "
                        + "/api/video/tasks/" + alicesTask + "/history");
    }

    @Test
    void aStrangerGetsTheSame404AsForATaskThatDoesNotExist() {
        String unknown = VideoId.random().value();

        assertThatThrownBy(() -> access.readable(alicesTask, BOB, request("/api/video/tasks/" + alicesTask), "the task"))
                .isInstanceOfSatisfying(TaskRejectedException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.TASK_NOT_FOUND));
        assertThatThrownBy(() -> access.readable(unknown, BOB, request("/api/video/tasks/" + unknown), "the task"))
                .isInstanceOfSatisfying(TaskRejectedException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.TASK_NOT_FOUND));
        assertThat(access.visibleOwner(alicesTask, BOB, request("/v1/videos/" + alicesTask), "the video")).isEmpty();
        assertThat(auditLines.list).isEmpty();
    }

    @Test
    void anAdminAskingForAnUnknownIdGets404AndNoAuditLine() {
        MockHttpServletRequest request = request("/api/video/tasks/x");
        request.addUserRole(TaskAccess.ADMIN_ROLE);

        assertThatThrownBy(() -> access.readable("not-a-video-id", ROOT, request, "the task"))
                .isInstanceOfSatisfying(TaskRejectedException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.TASK_NOT_FOUND));
        assertThat(auditLines.list).isEmpty();
    }

    private static MockHttpServletRequest request(String uri) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", uri);
        request.setRequestURI(uri);
        return request;
    }
}
