package dev.reelay.command.task;

import dev.reelay.command.account.Admissions;
import dev.reelay.kernel.command.CancelTask;
import dev.reelay.kernel.command.CompleteTask;
import dev.reelay.kernel.command.ExpireTask;
import dev.reelay.kernel.command.FailTask;
import dev.reelay.kernel.command.RecordContentArchived;
import dev.reelay.kernel.command.RecordProgress;
import dev.reelay.kernel.command.DeleteTask;
import dev.reelay.kernel.command.RecordUpstreamAcceptance;
import dev.reelay.kernel.command.RemixTask;
import dev.reelay.kernel.command.SubmitTask;
import dev.reelay.kernel.event.ContentArchived;
import dev.reelay.kernel.event.LateOutcomeRecorded;
import dev.reelay.kernel.event.ProgressUpdated;
import dev.reelay.kernel.event.RemixRequested;
import dev.reelay.kernel.event.TaskCancelled;
import dev.reelay.kernel.event.TaskCompleted;
import dev.reelay.kernel.event.TaskExpired;
import dev.reelay.kernel.event.TaskFailed;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.event.UpstreamTaskAccepted;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.Lineage;
import dev.reelay.kernel.task.LineageKind;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.QuotaExceededException;
import dev.reelay.kernel.task.ReferenceImage;
import dev.reelay.kernel.task.TaskRejectedException;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.hamcrest.FeatureMatcher;
import org.hamcrest.Matcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.instanceOf;

class VideoTaskTest {

    private static final String OWNER = "alice";
    private static final String STRANGER = "mallory";
    private static final String ADMIN = "root-admin";

    private static final Instant SUBMITTED_AT = Instant.parse("2025-01-01T10:00:00Z");
    private static final Instant ACCEPTED_AT = Instant.parse("2025-01-01T10:00:05Z");
    private static final Instant PROGRESS_AT = Instant.parse("2025-01-01T10:01:00Z");
    private static final Instant COMPLETED_AT = Instant.parse("2025-01-01T10:05:00Z");
    private static final Instant CONTENT_EXPIRES_AT = Instant.parse("2025-01-02T10:05:00Z");
    private static final Instant FAILED_AT = Instant.parse("2025-01-01T10:06:00Z");
    private static final Instant CANCELLED_AT = Instant.parse("2025-01-01T10:02:00Z");
    private static final Instant LATE_AT = Instant.parse("2025-01-01T10:10:00Z");
    private static final Instant REMIXED_AT = Instant.parse("2025-01-01T11:00:00Z");
    private static final Instant EXPIRED_AT = Instant.parse("2025-01-31T00:00:00Z");

    private static final String PROVIDER = "openai";
    private static final String EXTERNAL_ID = "ext-123";
    private static final String CONTENT = "s3://bucket/video.mp4";

    private static final TaskSpec SPEC = new TaskSpec("a cat surfing", "sora-2", "1280x720", 8, MediaType.VIDEO,
            new ReferenceImage("abc123", "image/png", 1024L));

    private AggregateTestFixture<VideoTask> fixture;
    private VideoId videoId;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(VideoTask.class);
        admissions = new RecordingAdmissions();
        fixture.registerInjectableResource(admissions);
        videoId = VideoId.random();
    }

    private RecordingAdmissions admissions;

    /** Records reservations; refuses them with a quota error once told to. */
    static final class RecordingAdmissions implements Admissions {

        final List<String> reservations = new ArrayList<>();
        QuotaExceededException refusal;

        @Override
        public void reserve(String owner, VideoId videoId, TaskSpec spec, Instant at) {
            if (refusal != null) {
                throw refusal;
            }
            reservations.add(owner + " " + videoId.value() + " " + spec.model() + " " + spec.size() + " " + spec.seconds());
        }

        @Override
        public void settle(String owner, VideoId videoId, TaskStatus outcome, Integer actualSeconds, Instant at) {
            throw new AssertionError("the aggregate never settles");
        }
    }

    // ---- events describing a task's history ----

    private TaskSubmitted submitted() {
        return new TaskSubmitted(videoId, OWNER, SPEC, null, SUBMITTED_AT);
    }

    private UpstreamTaskAccepted accepted() {
        return new UpstreamTaskAccepted(videoId, PROVIDER, EXTERNAL_ID, ACCEPTED_AT);
    }

    private ProgressUpdated progressed(int percent) {
        return new ProgressUpdated(videoId, percent, "in_progress", PROGRESS_AT, null);
    }

    private TaskCompleted completed() {
        return new TaskCompleted(videoId, CONTENT, CONTENT_EXPIRES_AT, 8, "1280x720", COMPLETED_AT);
    }

    private TaskFailed failed() {
        return new TaskFailed(videoId, ErrorCode.UPSTREAM_ERROR, "boom", true, "server_error", FAILED_AT);
    }

    private TaskCancelled cancelled() {
        return new TaskCancelled(videoId, OWNER, "changed my mind", CANCELLED_AT);
    }

    // ---- commands ----

    private CancelTask cancelBy(String who, boolean admin) {
        return new CancelTask(videoId, who, admin, "changed my mind", CANCELLED_AT);
    }

    private CompleteTask complete(Instant at) {
        return new CompleteTask(videoId, CONTENT, CONTENT_EXPIRES_AT, 8, "1280x720", at);
    }

    private FailTask fail(Instant at) {
        return new FailTask(videoId, ErrorCode.UPSTREAM_ERROR, "boom", true, "server_error", at);
    }

    private static Matcher<Throwable> rejectedWith(ErrorCode code) {
        return allOf(instanceOf(TaskRejectedException.class),
                new FeatureMatcher<Throwable, ErrorCode>(equalTo(code), "TaskRejectedException with code", "code") {
                    @Override
                    protected ErrorCode featureValueOf(Throwable actual) {
                        return ((TaskRejectedException) actual).code();
                    }
                });
    }

    @Nested
    class Submit {

        @Test
        void submittingATaskRecordsItAsAFreshGenerationWithoutLineage() {
            fixture.givenNoPriorActivity()
                    .when(new SubmitTask(videoId, OWNER, SPEC, SUBMITTED_AT))
                    .expectSuccessfulHandlerExecution()
                    .expectEvents(new TaskSubmitted(videoId, OWNER, SPEC, null, SUBMITTED_AT));

            assertThat(admissions.reservations).containsExactly(
                    OWNER + " " + videoId.value() + " " + SPEC.model() + " " + SPEC.size() + " " + SPEC.seconds());
        }

        @Test
        void aSubmissionBeyondTheQuotaStoresNothing() {
            admissions.refusal = new QuotaExceededException(Instant.parse("2025-01-02T00:00:00Z"), BigDecimal.TEN,
                    BigDecimal.TEN, new BigDecimal("8"));

            fixture.givenNoPriorActivity()
                    .when(new SubmitTask(videoId, OWNER, SPEC, SUBMITTED_AT))
                    .expectException(QuotaExceededException.class)
                    .expectNoEvents();
        }
    }

    @Nested
    class Cancel {

        @Test
        void ownerCanCancelAQueuedTask() {
            fixture.given(submitted())
                    .when(cancelBy(OWNER, false))
                    .expectEvents(new TaskCancelled(videoId, OWNER, "changed my mind", CANCELLED_AT));
        }

        @Test
        void ownerCanCancelAProcessingTask() {
            fixture.given(submitted(), accepted(), progressed(40))
                    .when(cancelBy(OWNER, false))
                    .expectEvents(new TaskCancelled(videoId, OWNER, "changed my mind", CANCELLED_AT));
        }

        @Test
        void anotherUserCannotSeeTheTaskToCancelIt() {
            fixture.given(submitted())
                    .when(cancelBy(STRANGER, false))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.TASK_NOT_FOUND));
        }

        @Test
        void anAdminCanCancelSomeoneElsesTask() {
            fixture.given(submitted())
                    .when(cancelBy(ADMIN, true))
                    .expectEvents(new TaskCancelled(videoId, ADMIN, "changed my mind", CANCELLED_AT));
        }

        @Test
        void cannotCancelACompletedTask() {
            fixture.given(submitted(), accepted(), completed())
                    .when(cancelBy(OWNER, false))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.TASK_ALREADY_TERMINAL));
        }

        @Test
        void cannotCancelAFailedTask() {
            fixture.given(submitted(), failed())
                    .when(cancelBy(OWNER, false))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.TASK_ALREADY_TERMINAL));
        }

        @Test
        void cannotCancelAnAlreadyCancelledTask() {
            fixture.given(submitted(), cancelled())
                    .when(cancelBy(OWNER, false))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.TASK_ALREADY_TERMINAL));
        }

        @Test
        void cannotCancelAnExpiredTask() {
            fixture.given(submitted(), completed(), new TaskExpired(videoId, TaskStatus.COMPLETED, "retention", EXPIRED_AT))
                    .when(cancelBy(OWNER, false))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.TASK_ALREADY_TERMINAL));
        }

        @Test
        void aStrangerIsToldNotFoundEvenForATerminalTask() {
            fixture.given(submitted(), completed())
                    .when(cancelBy(STRANGER, false))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.TASK_NOT_FOUND));
        }
    }

    @Nested
    class Remix {

        private final VideoId remixId = VideoId.random();

        @Test
        void remixingACompletedTaskRecordsTheRequestAndSubmitsTheChildWithLineage() {
            // Verified by experiment: the fixture's default repository provider serves AggregateLifecycle.createNew,
            // and the child's TaskSubmitted is published in the same unit of work, right after the source's event.
            TaskSpec childSpec = new TaskSpec("now in space", "sora-2-pro", "1280x720", 8, MediaType.VIDEO, null);
            fixture.given(submitted(), accepted(), completed())
                    .when(new RemixTask(videoId, remixId, OWNER, false, "now in space", "sora-2-pro", REMIXED_AT))
                    .expectSuccessfulHandlerExecution()
                    .expectResultMessagePayload(new RemixTask.Accepted(remixId, childSpec,
                            new Lineage(LineageKind.REMIX, videoId, videoId, 1), EXTERNAL_ID))
                    .expectEvents(
                            new RemixRequested(videoId, remixId, OWNER, "now in space", "sora-2-pro", REMIXED_AT),
                            new TaskSubmitted(remixId, OWNER, childSpec,
                                    new Lineage(LineageKind.REMIX, videoId, videoId, 1), REMIXED_AT));

            assertThat(admissions.reservations).containsExactly(OWNER + " " + remixId.value() + " sora-2-pro 1280x720 8");
        }

        @Test
        void aRemixWithoutAModelKeepsTheSourcesModelSizeSecondsAndMediaType() {
            TaskSpec imageSpec = new TaskSpec("a still", "gpt-image-1", "1024x1024", 0, MediaType.IMAGE,
                    new ReferenceImage("def456", "image/jpeg", 2048L));
            TaskSpec childSpec = new TaskSpec("brighter", "gpt-image-1", "1024x1024", 0, MediaType.IMAGE, null);
            fixture.given(new TaskSubmitted(videoId, OWNER, imageSpec, null, SUBMITTED_AT), completed())
                    .when(new RemixTask(videoId, remixId, OWNER, false, "brighter", null, REMIXED_AT))
                    .expectEvents(
                            new RemixRequested(videoId, remixId, OWNER, "brighter", "gpt-image-1", REMIXED_AT),
                            new TaskSubmitted(remixId, OWNER, childSpec,
                                    new Lineage(LineageKind.REMIX, videoId, videoId, 1), REMIXED_AT));
        }

        @Test
        void remixingARemixKeepsTheOriginalRootAndGoesOneLevelDeeper() {
            VideoId original = VideoId.random();
            TaskSpec firstRemixSpec = new TaskSpec("first remix", "sora-2", "1280x720", 8, MediaType.VIDEO, null);
            TaskSpec secondRemixSpec = new TaskSpec("second remix", "sora-2", "1280x720", 8, MediaType.VIDEO, null);
            fixture.given(new TaskSubmitted(videoId, OWNER, firstRemixSpec,
                                    new Lineage(LineageKind.REMIX, original, original, 1), SUBMITTED_AT),
                            accepted(), completed())
                    .when(new RemixTask(videoId, remixId, OWNER, false, "second remix", null, REMIXED_AT))
                    .expectEvents(
                            new RemixRequested(videoId, remixId, OWNER, "second remix", "sora-2", REMIXED_AT),
                            new TaskSubmitted(remixId, OWNER, secondRemixSpec,
                                    new Lineage(LineageKind.REMIX, videoId, original, 2), REMIXED_AT));
        }

        @Test
        void anAdminCanRemixSomeoneElsesCompletedTask() {
            TaskSpec childSpec = new TaskSpec("admin remix", "sora-2", "1280x720", 8, MediaType.VIDEO, null);
            fixture.given(submitted(), completed())
                    .when(new RemixTask(videoId, remixId, ADMIN, true, "admin remix", null, REMIXED_AT))
                    .expectEvents(
                            new RemixRequested(videoId, remixId, ADMIN, "admin remix", "sora-2", REMIXED_AT),
                            new TaskSubmitted(remixId, ADMIN, childSpec,
                                    new Lineage(LineageKind.REMIX, videoId, videoId, 1), REMIXED_AT));
        }

        @Test
        void cannotRemixATaskThatIsStillQueued() {
            fixture.given(submitted())
                    .when(new RemixTask(videoId, remixId, OWNER, false, "p", null, REMIXED_AT))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.REMIX_SOURCE_NOT_COMPLETED));
        }

        @Test
        void cannotRemixATaskThatIsStillProcessing() {
            fixture.given(submitted(), accepted(), progressed(50))
                    .when(new RemixTask(videoId, remixId, OWNER, false, "p", null, REMIXED_AT))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.REMIX_SOURCE_NOT_COMPLETED));
        }

        @Test
        void cannotRemixATaskThatFailed() {
            fixture.given(submitted(), accepted(), failed())
                    .when(new RemixTask(videoId, remixId, OWNER, false, "p", null, REMIXED_AT))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.REMIX_SOURCE_NOT_COMPLETED));
        }

        @Test
        void cannotRemixATaskThatExpired() {
            fixture.given(submitted(), completed(), new TaskExpired(videoId, TaskStatus.COMPLETED, "retention", EXPIRED_AT))
                    .when(new RemixTask(videoId, remixId, OWNER, false, "p", null, REMIXED_AT))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.REMIX_SOURCE_NOT_COMPLETED));
        }

        @Test
        void anotherUserCannotSeeTheTaskToRemixIt() {
            fixture.given(submitted(), accepted(), completed())
                    .when(new RemixTask(videoId, remixId, STRANGER, false, "p", null, REMIXED_AT))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.TASK_NOT_FOUND));
        }
    }

    @Nested
    class UpstreamAcceptance {

        @Test
        void upstreamAcceptanceOfAQueuedTaskBindsTheExternalJob() {
            fixture.given(submitted())
                    .when(new RecordUpstreamAcceptance(videoId, PROVIDER, EXTERNAL_ID, ACCEPTED_AT))
                    .expectEvents(new UpstreamTaskAccepted(videoId, PROVIDER, EXTERNAL_ID, ACCEPTED_AT));
        }

        @Test
        void aRedeliveredAcceptanceForTheSameJobChangesNothing() {
            fixture.given(submitted(), accepted())
                    .when(new RecordUpstreamAcceptance(videoId, PROVIDER, EXTERNAL_ID, LATE_AT))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void anAcceptanceForADifferentExternalJobIsAnInvalidTransition() {
            fixture.given(submitted(), accepted())
                    .when(new RecordUpstreamAcceptance(videoId, PROVIDER, "ext-999", LATE_AT))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.INVALID_TRANSITION));
        }

        @Test
        void anAcceptanceFromADifferentProviderIsAnInvalidTransition() {
            fixture.given(submitted(), accepted())
                    .when(new RecordUpstreamAcceptance(videoId, "other-provider", EXTERNAL_ID, LATE_AT))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.INVALID_TRANSITION));
        }

        @Test
        void anAcceptanceArrivingAfterCancellationIsRecordedAsALateOutcome() {
            fixture.given(submitted(), cancelled())
                    .when(new RecordUpstreamAcceptance(videoId, PROVIDER, EXTERNAL_ID, LATE_AT))
                    .expectEvents(LateOutcomeRecorded.upstreamAccepted(videoId, TaskStatus.CANCELLED, PROVIDER, EXTERNAL_ID, LATE_AT));
        }

        @Test
        void aRedeliveredLateAcceptanceIsRecordedOnlyOnce() {
            fixture.given(submitted(), cancelled(),
                            LateOutcomeRecorded.upstreamAccepted(videoId, TaskStatus.CANCELLED, PROVIDER, EXTERNAL_ID, LATE_AT))
                    .when(new RecordUpstreamAcceptance(videoId, PROVIDER, EXTERNAL_ID, LATE_AT.plusSeconds(5)))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void aDifferentLateAcceptanceIsRejected() {
            fixture.given(submitted(), cancelled(),
                            LateOutcomeRecorded.upstreamAccepted(videoId, TaskStatus.CANCELLED, PROVIDER, EXTERNAL_ID, LATE_AT))
                    .when(new RecordUpstreamAcceptance(videoId, PROVIDER, "ext-other", LATE_AT.plusSeconds(5)))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.INVALID_TRANSITION));
        }

        @Test
        void aTaskCancelledBeforeAcceptanceStaysCancelledWhenTheAcceptanceArrives() {
            fixture.given(submitted(), cancelled(),
                            LateOutcomeRecorded.upstreamAccepted(videoId, TaskStatus.CANCELLED, PROVIDER, EXTERNAL_ID, LATE_AT))
                    .when(cancelBy(OWNER, false))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.TASK_ALREADY_TERMINAL));
        }
    }

    @Nested
    class Progress {

        @Test
        void forwardProgressIsRecorded() {
            fixture.given(submitted(), accepted(), progressed(10))
                    .when(new RecordProgress(videoId, 35, "in_progress", PROGRESS_AT, null))
                    .expectEvents(new ProgressUpdated(videoId, 35, "in_progress", PROGRESS_AT, null));
        }

        @Test
        void firstProgressOnAQueuedTaskIsRecorded() {
            fixture.given(submitted())
                    .when(new RecordProgress(videoId, 5, "queued", PROGRESS_AT, null))
                    .expectEvents(new ProgressUpdated(videoId, 5, "queued", PROGRESS_AT, null));
        }

        @Test
        void theSamePercentAgainIsNotNewProgress() {
            fixture.given(submitted(), accepted(), progressed(40))
                    .when(new RecordProgress(videoId, 40, "in_progress", LATE_AT, null))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void progressNeverGoesBackwards() {
            fixture.given(submitted(), accepted(), progressed(40))
                    .when(new RecordProgress(videoId, 20, "in_progress", LATE_AT, null))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void aNewPlaceInTheProvidersQueueIsRecordedEvenAtZeroPercent() {
            fixture.given(submitted(), accepted(), new ProgressUpdated(videoId, 0, "queued", PROGRESS_AT, 7))
                    .when(new RecordProgress(videoId, 0, "queued", LATE_AT, 3))
                    .expectEvents(new ProgressUpdated(videoId, 0, "queued", LATE_AT, 3));
        }

        @Test
        void theSameQueuePlaceAgainIsNotNew() {
            fixture.given(submitted(), accepted(), new ProgressUpdated(videoId, 0, "queued", PROGRESS_AT, 3))
                    .when(new RecordProgress(videoId, 0, "queued", LATE_AT, 3))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void aQueuePlaceNeverTakesProgressBackwards() {
            fixture.given(submitted(), accepted(), progressed(40))
                    .when(new RecordProgress(videoId, 0, "queued", LATE_AT, 2))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void zeroPercentOnAFreshTaskIsNotProgress() {
            fixture.given(submitted())
                    .when(new RecordProgress(videoId, 0, "queued", PROGRESS_AT, null))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void progressAfterCompletionIsIgnored() {
            fixture.given(submitted(), accepted(), completed())
                    .when(new RecordProgress(videoId, 100, "completed", LATE_AT, null))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void progressAfterCancellationIsIgnored() {
            fixture.given(submitted(), accepted(), progressed(10), cancelled())
                    .when(new RecordProgress(videoId, 60, "in_progress", LATE_AT, null))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void progressAfterFailureIsIgnored() {
            fixture.given(submitted(), accepted(), failed())
                    .when(new RecordProgress(videoId, 60, "in_progress", LATE_AT, null))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void progressAboveOneHundredPercentIsClampedToOneHundred() {
            fixture.given(submitted(), accepted(), progressed(90))
                    .when(new RecordProgress(videoId, 150, "in_progress", PROGRESS_AT, null))
                    .expectEvents(new ProgressUpdated(videoId, 100, "in_progress", PROGRESS_AT, null));
        }

        @Test
        void progressAboveOneHundredIsNotNewOnceAtOneHundred() {
            fixture.given(submitted(), accepted(), progressed(100))
                    .when(new RecordProgress(videoId, 150, "in_progress", LATE_AT, null))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void fullProgressDoesNotEndATaskSoItCanStillBeCancelled() {
            // ProgressUpdated leaves the task PROCESSING even at 100%; only TaskCompleted ends it.
            fixture.given(submitted(), progressed(100))
                    .when(cancelBy(OWNER, false))
                    .expectEvents(new TaskCancelled(videoId, OWNER, "changed my mind", CANCELLED_AT));
        }
    }

    @Nested
    class Complete {

        @Test
        void completingAProcessingTaskRecordsTheContent() {
            fixture.given(submitted(), accepted(), progressed(80))
                    .when(complete(COMPLETED_AT))
                    .expectEvents(new TaskCompleted(videoId, CONTENT, CONTENT_EXPIRES_AT, 8, "1280x720", COMPLETED_AT));
        }

        @Test
        void aDuplicateCompletionSignalChangesNothing() {
            fixture.given(submitted(), accepted(), completed())
                    .when(complete(LATE_AT))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void aCompletionArrivingAfterCancellationIsRecordedAsALateOutcome() {
            fixture.given(submitted(), accepted(), cancelled())
                    .when(complete(LATE_AT))
                    .expectEvents(LateOutcomeRecorded.completed(videoId, TaskStatus.CANCELLED, CONTENT, LATE_AT));
        }

        @Test
        void aLateCompletionLeavesTheTaskCancelledSoItCannotBeCancelledAgain() {
            fixture.given(submitted(), accepted(), cancelled(),
                            LateOutcomeRecorded.completed(videoId, TaskStatus.CANCELLED, CONTENT, LATE_AT))
                    .when(cancelBy(OWNER, false))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.TASK_ALREADY_TERMINAL));
        }

        @Test
        void aLateCompletionLeavesTheTaskCancelledSoItCannotBeRemixed() {
            fixture.given(submitted(), accepted(), cancelled(),
                            LateOutcomeRecorded.completed(videoId, TaskStatus.CANCELLED, CONTENT, LATE_AT))
                    .when(new RemixTask(videoId, VideoId.random(), OWNER, false, "p", null, REMIXED_AT))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.REMIX_SOURCE_NOT_COMPLETED));
        }

        @Test
        void aCompletionArrivingAfterFailureIsRecordedAsALateOutcome() {
            fixture.given(submitted(), accepted(), failed())
                    .when(complete(LATE_AT))
                    .expectEvents(LateOutcomeRecorded.completed(videoId, TaskStatus.FAILED, CONTENT, LATE_AT));
        }
    }

    @Nested
    class Fail {

        @Test
        void failingAProcessingTaskRecordsTheFailure() {
            fixture.given(submitted(), accepted())
                    .when(fail(FAILED_AT))
                    .expectEvents(new TaskFailed(videoId, ErrorCode.UPSTREAM_ERROR, "boom", true, "server_error", FAILED_AT));
        }

        @Test
        void aDuplicateFailureSignalChangesNothing() {
            fixture.given(submitted(), accepted(), failed())
                    .when(fail(LATE_AT))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void aFailureArrivingAfterCompletionIsRecordedAsALateOutcome() {
            fixture.given(submitted(), accepted(), completed())
                    .when(fail(LATE_AT))
                    .expectEvents(LateOutcomeRecorded.failed(videoId, TaskStatus.COMPLETED, ErrorCode.UPSTREAM_ERROR, "boom", LATE_AT));
        }

        @Test
        void aLateFailureLeavesTheTaskCompletedAndRemixable() {
            VideoId remixId = VideoId.random();
            TaskSpec childSpec = new TaskSpec("p", "sora-2", "1280x720", 8, MediaType.VIDEO, null);
            fixture.given(submitted(), accepted(), completed(),
                            LateOutcomeRecorded.failed(videoId, TaskStatus.COMPLETED, ErrorCode.UPSTREAM_ERROR, "boom", LATE_AT))
                    .when(new RemixTask(videoId, remixId, OWNER, false, "p", null, REMIXED_AT))
                    .expectEvents(
                            new RemixRequested(videoId, remixId, OWNER, "p", "sora-2", REMIXED_AT),
                            new TaskSubmitted(remixId, OWNER, childSpec,
                                    new Lineage(LineageKind.REMIX, videoId, videoId, 1), REMIXED_AT));
        }

        @Test
        void aFailureArrivingAfterCancellationIsRecordedAsALateOutcome() {
            fixture.given(submitted(), accepted(), cancelled())
                    .when(fail(LATE_AT))
                    .expectEvents(LateOutcomeRecorded.failed(videoId, TaskStatus.CANCELLED, ErrorCode.UPSTREAM_ERROR, "boom", LATE_AT));
        }
    }

    @Nested
    class Expire {

        @Test
        void aCompletedTaskExpiresRememberingItWasCompleted() {
            fixture.given(submitted(), accepted(), completed())
                    .when(new ExpireTask(videoId, "retention", EXPIRED_AT))
                    .expectEvents(new TaskExpired(videoId, TaskStatus.COMPLETED, "retention", EXPIRED_AT));
        }

        @Test
        void aFailedTaskExpiresRememberingItFailed() {
            fixture.given(submitted(), failed())
                    .when(new ExpireTask(videoId, "retention", EXPIRED_AT))
                    .expectEvents(new TaskExpired(videoId, TaskStatus.FAILED, "retention", EXPIRED_AT));
        }

        @Test
        void aCancelledTaskExpiresRememberingItWasCancelled() {
            fixture.given(submitted(), cancelled())
                    .when(new ExpireTask(videoId, "retention", EXPIRED_AT))
                    .expectEvents(new TaskExpired(videoId, TaskStatus.CANCELLED, "retention", EXPIRED_AT));
        }

        @Test
        void aQueuedTaskCannotExpire() {
            fixture.given(submitted())
                    .when(new ExpireTask(videoId, "retention", EXPIRED_AT))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.INVALID_TRANSITION));
        }

        @Test
        void aProcessingTaskCannotExpire() {
            fixture.given(submitted(), accepted(), progressed(30))
                    .when(new ExpireTask(videoId, "retention", EXPIRED_AT))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.INVALID_TRANSITION));
        }

        @Test
        void expiringTwiceChangesNothing() {
            fixture.given(submitted(), completed(), new TaskExpired(videoId, TaskStatus.COMPLETED, "retention", EXPIRED_AT))
                    .when(new ExpireTask(videoId, "retention", EXPIRED_AT.plusSeconds(60)))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }

        @Test
        void aCompletionArrivingAfterExpiryIsRecordedAsALateOutcome() {
            fixture.given(submitted(), cancelled(), new TaskExpired(videoId, TaskStatus.CANCELLED, "retention", EXPIRED_AT))
                    .when(complete(LATE_AT))
                    .expectEvents(LateOutcomeRecorded.completed(videoId, TaskStatus.EXPIRED, CONTENT, LATE_AT));
        }
    }

    @Nested
    class Archive {

        private static final Instant ARCHIVED_AT = Instant.parse("2025-01-01T10:05:30Z");

        private RecordContentArchived.Copy copy(String variant, long bytes) {
            return new RecordContentArchived.Copy(variant, "archive/" + variant, bytes, variant + "-sha256");
        }

        private ContentArchived archived(String variant, long bytes) {
            return new ContentArchived(videoId, variant, "archive/" + variant, bytes, variant + "-sha256", ARCHIVED_AT);
        }

        @Test
        void oneCommandRecordsEveryCopiedVariantInOrder() {
            fixture.given(submitted(), accepted(), completed())
                    .when(new RecordContentArchived(videoId,
                            List.of(copy("video", 900), copy("thumbnail", 30), copy("spritesheet", 70)), ARCHIVED_AT))
                    .expectEvents(archived("video", 900), archived("thumbnail", 30), archived("spritesheet", 70));
        }

        @Test
        void aVariantAlreadyArchivedIsNotRecordedAgain() {
            fixture.given(submitted(), accepted(), completed(), archived("video", 900))
                    .when(new RecordContentArchived(videoId, List.of(copy("video", 900), copy("thumbnail", 30)),
                            ARCHIVED_AT))
                    .expectEvents(archived("thumbnail", 30));
        }

        @Test
        void aVariantTwiceInOneCommandIsRecordedOnce() {
            fixture.given(submitted(), accepted(), completed())
                    .when(new RecordContentArchived(videoId, List.of(copy("video", 900), copy("video", 900)),
                            ARCHIVED_AT))
                    .expectEvents(archived("video", 900));
        }

        @Test
        void aTaskThatExpiredMeanwhileRecordsNoCopy() {
            fixture.given(submitted(), accepted(), completed(),
                            new TaskExpired(videoId, TaskStatus.COMPLETED, "retention", EXPIRED_AT))
                    .when(new RecordContentArchived(videoId, List.of(copy("video", 900)), ARCHIVED_AT))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }
    }

    @Nested
    class Delete {

        @Test
        void deletingARunningTaskCancelsItThenLeavesATombstone() {
            fixture.given(submitted(), accepted())
                    .when(new DeleteTask(videoId, OWNER, false, LATE_AT))
                    .expectEvents(new TaskCancelled(videoId, OWNER, "deleted", LATE_AT),
                            new TaskExpired(videoId, TaskStatus.CANCELLED, "deleted by " + OWNER, LATE_AT));
        }

        @Test
        void deletingACompletedTaskExpiresIt() {
            fixture.given(submitted(), accepted(), completed())
                    .when(new DeleteTask(videoId, OWNER, false, LATE_AT))
                    .expectEvents(new TaskExpired(videoId, TaskStatus.COMPLETED, "deleted by " + OWNER, LATE_AT));
        }

        @Test
        void cannotDeleteSomeoneElsesTask() {
            fixture.given(submitted())
                    .when(new DeleteTask(videoId, STRANGER, false, LATE_AT))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.TASK_NOT_FOUND));
        }

        @Test
        void aDeletedTaskIsGone() {
            fixture.given(submitted(), cancelled(), new TaskExpired(videoId, TaskStatus.CANCELLED, "deleted", LATE_AT))
                    .when(new DeleteTask(videoId, OWNER, false, LATE_AT))
                    .expectNoEvents()
                    .expectException(rejectedWith(ErrorCode.TASK_NOT_FOUND));
        }
    }
}
