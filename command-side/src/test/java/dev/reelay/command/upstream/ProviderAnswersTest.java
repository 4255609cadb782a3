package dev.reelay.command.upstream;

import dev.reelay.kernel.command.CompleteTask;
import dev.reelay.kernel.command.FailTask;
import dev.reelay.kernel.command.RecordProgress;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.VideoId;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class ProviderAnswersTest {

    private static final VideoId VIDEO = VideoId.derivedFrom("provider-answers");
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private static UpstreamJob job(UpstreamJob.State state, int progress, String errorCode, String errorMessage) {
        return new UpstreamJob("ext-1", state, progress, errorCode, errorMessage, "https://cdn/x.mp4", null, 8,
                "1280x720", null);
    }

    @Test
    void aQueuedJobWithoutProgressSaysNothingNew() {
        assertThat(ProviderAnswers.commandFor(VIDEO, job(UpstreamJob.State.QUEUED, 0, null, null), NOW)).isEmpty();
    }

    @Test
    void aQueuedJobWithAQueuePlaceRecordsIt() {
        UpstreamJob queued = new UpstreamJob("ext-1", UpstreamJob.State.QUEUED, 0, null, null, null, null, null, null, null, 4);
        assertThat(ProviderAnswers.commandFor(VIDEO, queued, NOW))
                .contains(new RecordProgress(VIDEO, 0, "queued", NOW, 4));
    }

    @Test
    void progressIsRecordedWithTheProvidersStatusInLowerCase() {
        assertThat(ProviderAnswers.commandFor(VIDEO, job(UpstreamJob.State.IN_PROGRESS, 40, null, null), NOW))
                .contains(new RecordProgress(VIDEO, 40, "in_progress", NOW, null));
    }

    @Test
    void aCompletedJobCompletesTheTaskWithItsContent() {
        assertThat(ProviderAnswers.commandFor(VIDEO, job(UpstreamJob.State.COMPLETED, 100, null, null), NOW))
                .contains(new CompleteTask(VIDEO, "https://cdn/x.mp4", null, 8, "1280x720", NOW));
    }

    @Test
    void aFailedJobWhoseCodeNamesTheContentPolicyIsAModerationRefusalWhateverItsMessage() {
        assertThat(ProviderAnswers.commandFor(VIDEO, job(UpstreamJob.State.FAILED, 0, "Content_Policy_Violation_v2",
                "some text"), NOW)).get().isInstanceOfSatisfying(FailTask.class, fail -> {
                    assertThat(fail.errorCode()).isEqualTo(ErrorCode.UPSTREAM_MODERATION);
                    assertThat(fail.providerCode()).isEqualTo("Content_Policy_Violation_v2");
                });
    }

    @Test
    void aFailedJobIsJudgedByItsCodeNotByItsMessage() {
        assertThat(ProviderAnswers.commandFor(VIDEO, job(UpstreamJob.State.FAILED, 0, "render_error",
                "blocked by moderation"), NOW)).get().isInstanceOfSatisfying(FailTask.class, fail -> {
                    assertThat(fail.errorCode()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
                    assertThat(fail.message()).isEqualTo("blocked by moderation");
                });
    }

    @Test
    void anAmbiguousSubmissionFailureIsRetryableOnlyWithAnIdempotencyKey() {
        UpstreamException timeout = UpstreamException.of(new java.util.concurrent.TimeoutException());

        assertThat(ProviderAnswers.submissionFailed(VIDEO, timeout, true, NOW).retryable()).isTrue();
        FailTask withoutKey = ProviderAnswers.submissionFailed(VIDEO, timeout, false, NOW);
        assertThat(withoutKey.retryable()).isFalse();
        assertThat(withoutKey.errorCode()).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    }

    @Test
    void aTransientStatusCheckFailureIsLeftToTheNextPoll() {
        UpstreamException transientFailure = new UpstreamException(UpstreamException.Kind.TRANSIENT, 503, null, "down", null);
        UpstreamException unknown = new UpstreamException(UpstreamException.Kind.UNKNOWN, 404, "not_found", "gone", null);

        assertThat(ProviderAnswers.statusCheckFailed(VIDEO, transientFailure, NOW)).isEmpty();
        assertThat(ProviderAnswers.statusCheckFailed(VIDEO, unknown, NOW)).get()
                .extracting(FailTask::errorCode).isEqualTo(ErrorCode.UPSTREAM_ERROR);
    }
}
