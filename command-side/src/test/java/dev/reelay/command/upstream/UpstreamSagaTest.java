package dev.reelay.command.upstream;

import dev.reelay.command.account.Admissions;
import dev.reelay.command.upstream.UpstreamProviders.ProviderRoute;
import dev.reelay.kernel.event.LateOutcomeRecorded;
import dev.reelay.kernel.event.ProgressUpdated;
import dev.reelay.kernel.event.TaskCancelled;
import dev.reelay.kernel.event.TaskCompleted;
import dev.reelay.kernel.event.TaskExpired;
import dev.reelay.kernel.event.TaskFailed;
import dev.reelay.kernel.event.TaskAdmitted;
import dev.reelay.kernel.event.TaskSubmitted;
import dev.reelay.kernel.event.UpstreamTaskAccepted;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.Lineage;
import dev.reelay.kernel.task.LineageKind;
import dev.reelay.kernel.task.MediaType;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.deadline.DeadlineMessage;
import org.axonframework.test.deadline.ScheduledDeadlineInfo;
import org.axonframework.test.deadline.StubDeadlineManager;
import org.axonframework.test.matchers.Matchers;
import org.axonframework.test.saga.SagaTestFixture;
import org.hamcrest.Matcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamSagaTest {

    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");

    private static final String PROVIDER = "p1";
    private static final String HOOKED = "hooked";
    private static final String EXTERNAL_ID = "ext-1";

    private static final Duration POLL_INITIAL = Duration.ofSeconds(5);
    private static final Duration POLL_MIN = Duration.ofSeconds(2);
    private static final Duration POLL_MAX = Duration.ofSeconds(30);
    private static final Duration SAFETY_POLL = Duration.ofSeconds(60);
    private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(30);
    private static final Duration WATCHDOG = Duration.ofMinutes(2);
    private static final Duration CHECK = Duration.ofSeconds(10);
    private static final int ROUNDS = 3;

    private static final ProviderRoute P1_ROUTE = new ProviderRoute(PROVIDER, 1, true, false, POLL_INITIAL, POLL_MIN,
            POLL_MAX, SAFETY_POLL, GIVE_UP_AFTER, Duration.ofMinutes(1));
    private static final ProviderRoute HOOKED_ROUTE = new ProviderRoute(HOOKED, 2, true, true, POLL_INITIAL, POLL_MIN,
            POLL_MAX, SAFETY_POLL, GIVE_UP_AFTER, Duration.ofMinutes(1));

    private static final TaskSpec SPEC = new TaskSpec("a cat surfing", "sora-2", "1280x720", 8, MediaType.VIDEO, null);

    private SagaTestFixture<UpstreamSaga> fixture;
    private RecordingEffects effects;
    private RecordingAdmissions admissions;
    private FakeNodes nodes;
    private FakeProviders providers;
    private VideoId videoId;

    @BeforeEach
    void setUp() {
        fixture = new SagaTestFixture<>(UpstreamSaga.class);
        effects = new RecordingEffects();
        fixture.registerResource(effects);
        admissions = new RecordingAdmissions();
        fixture.registerResource(admissions);
        providers = new FakeProviders(Map.of(PROVIDER, P1_ROUTE, HOOKED, HOOKED_ROUTE));
        fixture.registerResource(providers);
        fixture.registerResource(new UpstreamTimings(new UpstreamProperties(4, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 256, WATCHDOG, ROUNDS, CHECK, Duration.ofMinutes(1)),
                new FixtureClock(fixture::currentTime)));
        nodes = new FakeNodes("run-a");
        fixture.registerResource(nodes);
        // both the fixture's event scheduler and its deadline manager start at the same, known instant
        fixture.givenCurrentTime(T0);
        videoId = VideoId.derivedFrom("upstream-saga-test");
    }

    // ---- events ----

    private TaskSubmitted submitted() {
        return new TaskSubmitted(videoId, "alice", SPEC, null, T0);
    }

    private TaskAdmitted admitted() {
        return new TaskAdmitted("alice", videoId, false, T0);
    }

    private UpstreamTaskAccepted accepted(String providerId) {
        return new UpstreamTaskAccepted(videoId, providerId, EXTERNAL_ID, fixture.currentTime());
    }

    private ProgressUpdated progress(int percent, Instant observedAt) {
        return new ProgressUpdated(videoId, percent, "in_progress", observedAt, null);
    }

    private TaskCancelled cancelled() {
        return new TaskCancelled(videoId, "alice", "changed my mind", fixture.currentTime());
    }

    private static Matcher<DeadlineMessage<?>> deadlineNamed(String name) {
        return Matchers.matches(d -> name.equals(d.getDeadlineName()));
    }

    @Nested
    class Submission {

        @Test
        void aSubmittedTaskWaitsForItsSlotBeforeGoingUpstream() throws Exception {
            fixture.whenPublishingA(submitted())
                    .expectActiveSagas(1)
                    .expectAssociationWith(UpstreamSaga.ASSOCIATION, videoId.value())
                    .expectNoScheduledDeadlines();

            assertThat(effects.calls()).isEmpty();
        }

        @Test
        void anAdmittedTaskIsSubmittedUpstreamOnceAsRoundOne() throws Exception {
            fixture.givenAPublished(submitted())
                    .whenPublishingA(admitted())
                    .expectActiveSagas(1)
                    .expectAssociationWith(UpstreamSaga.ASSOCIATION, videoId.value())
                    .expectNoDispatchedCommands();

            assertThat(effects.calls()).containsExactly(
                    new Call("submit", videoId, SPEC, null, 1));
        }

        @Test
        void theLineageOfARemixIsPassedToTheSubmission() throws Exception {
            Lineage lineage = new Lineage(LineageKind.REMIX, VideoId.derivedFrom("source"),
                    VideoId.derivedFrom("root"), 1);

            fixture.givenAPublished(new TaskSubmitted(videoId, "alice", SPEC, lineage, T0))
                    .whenPublishingA(admitted());

            assertThat(effects.calls()).containsExactly(new Call("submit", videoId, SPEC, lineage, 1));
        }

        @Test
        void aTakeoverCheckIsScheduledTenSecondsAhead() throws Exception {
            fixture.givenAPublished(submitted())
                    .whenPublishingA(admitted())
                    .expectScheduledDeadlineWithName(CHECK, UpstreamSaga.WATCHDOG)
                    .expectScheduledDeadline(CHECK, videoId)
                    .expectNoScheduledDeadlineMatching(deadlineNamed(UpstreamSaga.POLL))
                    .expectNoScheduledDeadlineMatching(deadlineNamed(UpstreamSaga.GIVE_UP));
        }

        @Test
        void theWatchdogElapsingWithoutAcceptanceResubmitsAsRoundTwoAndRearmsTheCheck() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());
            effects.clear();

            fixture.whenTimeElapses(WATCHDOG)
                    .expectScheduledDeadlineWithName(CHECK, UpstreamSaga.WATCHDOG)
                    .expectActiveSagas(1)
                    .expectNoDispatchedCommands();

            assertThat(effects.calls()).containsExactly(new Call("submit", videoId, SPEC, null, 2));
        }

        @Test
        void nothingIsResubmittedBeforeTheWatchdogIsDueWhileTheRoundsNodeRuns() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());
            effects.clear();

            fixture.whenTimeElapses(WATCHDOG.minusSeconds(1))
                    .expectScheduledDeadlineWithName(Duration.ofSeconds(1), UpstreamSaga.WATCHDOG);

            assertThat(effects.calls()).isEmpty();
            assertThat(nodes.asked).contains("run-a");
        }

        @Test
        void aRoundWhoseNodeIsGoneIsHandedOnAtTheNextCheck() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenTimeElapses(CHECK.multipliedBy(2)); // two checks: run-a still runs
            assertThat(effects.callsTo("submit")).hasSize(1);
            effects.clear();
            nodes.gone("run-a");
            nodes.nowRunning("run-b");

            fixture.whenTimeElapses(CHECK)
                    .expectScheduledDeadlineWithName(CHECK, UpstreamSaga.WATCHDOG)
                    .expectNoDispatchedCommands();

            assertThat(effects.calls()).containsExactly(new Call("submit", videoId, SPEC, null, 2));
        }

        @Test
        void aHandedOnRoundBelongsToItsNewNodeAndIsNotHandedOnAgainWhileThatNodeRuns() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());
            nodes.gone("run-a");
            nodes.nowRunning("run-b");
            effects.clear();

            fixture.whenTimeElapses(CHECK.multipliedBy(5))
                    .expectNoDispatchedCommands();

            // round 2 starts at the first check, on run-b; the next four checks find run-b running
            assertThat(effects.callsTo("submit")).extracting(c -> c.args().get(3)).containsExactly(2);
        }

        @Test
        void aBoundTaskWhoseAcceptanceTheSagaHasNotReadYetIsCheckedAgainOnlyAtTheEndOfTheRound() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());
            providers.bound(videoId, PROVIDER, EXTERNAL_ID); // the create succeeded; UpstreamTaskAccepted is not read yet
            effects.clear();

            fixture.whenTimeElapses(CHECK)
                    .expectScheduledDeadlineWithName(WATCHDOG.minus(CHECK), UpstreamSaga.WATCHDOG)
                    .expectNoScheduledDeadlineWithName(CHECK, UpstreamSaga.WATCHDOG)
                    .expectNoDispatchedCommands();

            assertThat(effects.calls()).isEmpty();
        }

        @Test
        void aBoundTaskWhoseAcceptanceNeverCameStartsTheNextRoundWhenTheRoundEnds() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());
            providers.bound(videoId, PROVIDER, EXTERNAL_ID);
            effects.clear();

            fixture.whenTimeElapses(WATCHDOG)
                    .expectScheduledDeadlineWithName(CHECK, UpstreamSaga.WATCHDOG);

            assertThat(effects.calls()).containsExactly(new Call("submit", videoId, SPEC, null, 2));
            assertThat(nodes.asked).hasSize(1); // one check on the way, not one per takeover-check
        }

        @Test
        void aBoundTaskWhoseNodeIsGoneIsStillHandedOnAtTheNextCheck() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());
            providers.bound(videoId, PROVIDER, EXTERNAL_ID);
            nodes.gone("run-a");
            nodes.nowRunning("run-b");
            effects.clear();

            fixture.whenTimeElapses(CHECK);

            assertThat(effects.calls()).containsExactly(new Call("submit", videoId, SPEC, null, 2));
        }

        @Test
        void afterTheLastRoundTheSubmissionIsGivenUpAndNotResubmitted() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenTimeElapses(WATCHDOG.multipliedBy(2)); // rounds 2 and 3
            assertThat(effects.callsTo("submit")).extracting(c -> c.args().get(3)).containsExactly(1, 2, 3);
            effects.clear();

            // (the fixture counts deadlines triggered in the given phase too, so effects are asserted instead)
            fixture.whenTimeElapses(WATCHDOG)
                    .expectNoScheduledDeadlines()
                    .expectActiveSagas(1) // it waits for the TaskFailed that the give-up causes
                    .expectNoDispatchedCommands();

            assertThat(effects.calls()).hasSize(1);
            assertThat(effects.calls().get(0).method()).isEqualTo("giveUpSubmission");
            assertThat(effects.calls().get(0).args().get(0)).isEqualTo(videoId);
            assertThat((String) effects.calls().get(0).args().get(1)).contains("3 rounds");
        }

        @Test
        void onceGivenUpMoreTimePassingSubmitsNothingElse() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenTimeElapses(WATCHDOG.multipliedBy(ROUNDS));
            assertThat(effects.callsTo("giveUpSubmission")).hasSize(1);
            effects.clear();

            fixture.whenTimeElapses(Duration.ofHours(1))
                    .expectNoScheduledDeadlines();

            assertThat(effects.calls()).isEmpty();
        }
    }

    @Nested
    class Acceptance {

        @Test
        void acceptanceCancelsTheWatchdogAndSchedulesOnlyTheFirstPoll() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());
            effects.clear();

            fixture.whenPublishingA(accepted(PROVIDER))
                    .expectNoScheduledDeadlineMatching(deadlineNamed(UpstreamSaga.WATCHDOG))
                    .expectScheduledDeadlineWithName(POLL_INITIAL, UpstreamSaga.POLL)
                    .expectNoScheduledDeadlineMatching(deadlineNamed(UpstreamSaga.GIVE_UP))
                    .expectScheduledDeadline(POLL_INITIAL, videoId)
                    .expectActiveSagas(1)
                    .expectNoDispatchedCommands();

            assertThat(effects.calls()).isEmpty();
        }

        @Test
        void anAcceptedTaskIsNotResubmittedWhenTheWatchdogWouldHaveElapsed() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER));
            effects.clear();

            fixture.whenTimeElapses(WATCHDOG)
                    .expectNoScheduledDeadlineMatching(deadlineNamed(UpstreamSaga.WATCHDOG))
                    .expectNoDispatchedCommands();

            assertThat(effects.callsTo("submit")).isEmpty();
            assertThat(effects.callsTo("giveUpSubmission")).isEmpty();
            assertThat(effects.callsTo("poll")).isNotEmpty();
        }

        @Test
        void withAWebhookProviderTheFirstPollIsAtTheSafetyCadence() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());

            fixture.whenPublishingA(accepted(HOOKED))
                    .expectScheduledDeadlineWithName(UpstreamSaga.safetyPoll(SAFETY_POLL, videoId, 0), UpstreamSaga.POLL)
                    .expectNoScheduledDeadlineWithName(POLL_INITIAL, UpstreamSaga.POLL)
                    .expectNoScheduledDeadlineMatching(deadlineNamed(UpstreamSaga.GIVE_UP));
        }

        @Test
        void aProviderNoLongerConfiguredIsFollowedWithTheFallbackTimings() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());

            fixture.whenPublishingA(accepted("removed"))
                    .expectScheduledDeadlineWithName(Duration.ofSeconds(10), UpstreamSaga.POLL)
                    .expectNoScheduledDeadlineMatching(deadlineNamed(UpstreamSaga.GIVE_UP));
        }

        @Test
        void aGiveUpSoonerThanTheFirstPollIsTheOnlyDeadline() throws Exception {
            ProviderRoute brief = new ProviderRoute("brief", 3, true, false, POLL_INITIAL, POLL_MIN, POLL_MAX,
                    SAFETY_POLL, Duration.ofSeconds(3), Duration.ofMinutes(1));
            providers.add(brief);
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());

            fixture.whenPublishingA(accepted("brief"))
                    .expectScheduledDeadlineWithName(Duration.ofSeconds(3), UpstreamSaga.GIVE_UP)
                    .expectNoScheduledDeadlineMatching(deadlineNamed(UpstreamSaga.POLL));
        }
    }

    @Nested
    class Polling {

        @Test
        void whenThePollIsDueTheProviderIsPolledOnceAndTheNextPollScheduled() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER));
            effects.clear();

            fixture.whenTimeElapses(POLL_INITIAL)
                    .expectTriggeredDeadlinesWithName(UpstreamSaga.POLL)
                    .expectScheduledDeadlineWithName(POLL_INITIAL, UpstreamSaga.POLL)
                    .expectNoDispatchedCommands();

            assertThat(effects.calls()).containsExactly(new Call("poll", videoId, PROVIDER, EXTERNAL_ID));
        }

        @Test
        void aSkippedPollIsStillFollowedByTheNextOne() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER));
            effects.clear();
            effects.pollAnswer = false;

            fixture.whenTimeElapses(POLL_INITIAL)
                    .expectScheduledDeadlineWithName(POLL_INITIAL, UpstreamSaga.POLL);

            assertThat(effects.callsTo("poll")).hasSize(1);
        }

        @Test
        void theWebhookProviderIsPolledOnlyAtTheSafetyCadence() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(HOOKED));
            effects.clear();

            Duration first = UpstreamSaga.safetyPoll(SAFETY_POLL, videoId, 0);
            Duration second = UpstreamSaga.safetyPoll(SAFETY_POLL, videoId, 1);
            fixture.whenTimeElapses(SAFETY_POLL)
                    .expectTriggeredDeadlinesWithName(UpstreamSaga.POLL)
                    .expectScheduledDeadlineWithName(first.plus(second).minus(SAFETY_POLL), UpstreamSaga.POLL);

            assertThat(effects.calls()).containsExactly(new Call("poll", videoId, HOOKED, EXTERNAL_ID));
        }

        @Test
        void progressAimsTheNextPollAtThePredictedFinish() throws Exception {
            // accepted at T0; polls every 5 s until 80 % is seen at T0+60s (0.75 s per percent → 15 s to go)
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER))
                    .andThenTimeElapses(Duration.ofSeconds(60))
                    .andThenAPublished(progress(80, T0.plusSeconds(60)));
            effects.clear();

            // the poll at T0+65s: 15 s - 5 s since the progress = 10 s left
            fixture.whenTimeElapses(POLL_INITIAL)
                    .expectScheduledDeadlineWithName(Duration.ofSeconds(10), UpstreamSaga.POLL)
                    .expectNoScheduledDeadlineWithName(POLL_INITIAL, UpstreamSaga.POLL);

            assertThat(effects.callsTo("poll")).hasSize(1);
        }

        @Test
        void aSlowPredictionIsCappedAtTheProvidersLongestInterval() throws Exception {
            // 50 % at T0+60s: 60 s to go at that point, 55 s at the poll → 44 s, capped at 30 s
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER))
                    .andThenTimeElapses(Duration.ofSeconds(60))
                    .andThenAPublished(progress(50, T0.plusSeconds(60)));
            effects.clear();

            fixture.whenTimeElapses(POLL_INITIAL)
                    .expectScheduledDeadlineWithName(POLL_MAX, UpstreamSaga.POLL)
                    .expectNoScheduledDeadlineWithName(Duration.ofSeconds(44), UpstreamSaga.POLL);

            assertThat(effects.callsTo("poll")).hasSize(1);
        }

        @Test
        void aNearlyFinishedJobIsPolledAtTheProvidersShortestInterval() throws Exception {
            // 98 % at T0+60s: ~1.2 s to go; at the poll 5 s later it is overdue → the minimum, 2 s
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER))
                    .andThenTimeElapses(Duration.ofSeconds(60))
                    .andThenAPublished(progress(98, T0.plusSeconds(60)));
            effects.clear();

            fixture.whenTimeElapses(POLL_INITIAL)
                    .expectScheduledDeadlineWithName(POLL_MIN, UpstreamSaga.POLL);
        }
    }

    @Nested
    class NextPollInterval {

        private final UpstreamSaga saga = new UpstreamSaga();

        @Test
        void withoutProgressItBacksOffFromTheInitialIntervalToTheLongestWithTheTimeWaited() throws Exception {
            saga.acceptedAt = T0;

            assertThat(saga.nextPollIn(P1_ROUTE, T0.plusSeconds(4))).isEqualTo(POLL_INITIAL);
            assertThat(saga.nextPollIn(P1_ROUTE, T0.plusSeconds(8))).isEqualTo(Duration.ofSeconds(8));
            assertThat(saga.nextPollIn(P1_ROUTE, T0.plusSeconds(40))).isEqualTo(POLL_MAX);
            assertThat(saga.nextPollIn(P1_ROUTE, T0.plusSeconds(600))).isEqualTo(POLL_MAX);
        }

        @Test
        void aFixedCadenceStaysFixedWithoutProgress() throws Exception {
            saga.acceptedAt = T0;
            ProviderRoute fixed = new ProviderRoute(PROVIDER, 1, true, false, POLL_MIN, POLL_MIN, POLL_MIN,
                    SAFETY_POLL, GIVE_UP_AFTER, Duration.ofMinutes(1));

            assertThat(saga.nextPollIn(fixed, T0.plusSeconds(600))).isEqualTo(POLL_MIN);
        }

        @Test
        void progressObservedNoLaterThanTheAcceptanceGivesNoRateAndTheInitialInterval() throws Exception {
            saga.acceptedAt = T0;
            saga.lastProgress = 40;
            saga.lastProgressAt = T0;

            assertThat(saga.nextPollIn(P1_ROUTE, T0.plusSeconds(5))).isEqualTo(POLL_INITIAL);
        }

        @Test
        void aRateWithinBoundsGivesTheTimeLeft() throws Exception {
            saga.acceptedAt = T0;
            saga.lastProgress = 80;
            saga.lastProgressAt = T0.plusSeconds(60);

            assertThat(saga.nextPollIn(P1_ROUTE, T0.plusSeconds(60))).isEqualTo(Duration.ofSeconds(15));
            assertThat(saga.nextPollIn(P1_ROUTE, T0.plusSeconds(65))).isEqualTo(Duration.ofSeconds(10));
        }

        @Test
        void nearTheEndTheShortestIntervalWins() throws Exception {
            saga.acceptedAt = T0;
            saga.lastProgress = 95;
            saga.lastProgressAt = T0.plusSeconds(10);

            // 10 s / 95 % → 526 ms for the last 5 %: sooner than poll-min
            assertThat(saga.nextPollIn(P1_ROUTE, T0.plusSeconds(10))).isEqualTo(POLL_MIN);
        }

        @Test
        void anOverdueJobGivesTheShortestInterval() throws Exception {
            saga.acceptedAt = T0;
            saga.lastProgress = 50;
            saga.lastProgressAt = T0.plusSeconds(60);

            assertThat(saga.nextPollIn(P1_ROUTE, T0.plusSeconds(600))).isEqualTo(POLL_MIN);
        }

        @Test
        void slowEarlyProgressGivesTheLongestInterval() throws Exception {
            saga.acceptedAt = T0;
            saga.lastProgress = 5;
            saga.lastProgressAt = T0.plusSeconds(60);

            assertThat(saga.nextPollIn(P1_ROUTE, T0.plusSeconds(60))).isEqualTo(POLL_MAX);
        }

        @Test
        void withWebhooksItIsTheSafetyCadenceWhateverTheProgress() throws Exception {
            saga.acceptedAt = T0;
            saga.lastProgress = 95;
            saga.lastProgressAt = T0.plusSeconds(10);

            saga.videoId = videoId;
            saga.polls = 3;

            assertThat(saga.nextPollIn(HOOKED_ROUTE, T0.plusSeconds(10)))
                    .isEqualTo(UpstreamSaga.safetyPoll(SAFETY_POLL, videoId, 3));
        }

        @Test
        void safetyPollsAreSpreadOverTheLastFifthOfTheIntervalNeverBeyondIt() {
            List<Duration> first = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                first.add(UpstreamSaga.safetyPoll(Duration.ofMinutes(5), VideoId.random(), 0));
            }
            assertThat(first).allSatisfy(d -> assertThat(d).isBetween(Duration.ofMinutes(4), Duration.ofMinutes(5)));
            // a burst of 1,000 tasks accepted together is spread over the whole minute, not polled together
            assertThat(first.stream().filter(d -> d.compareTo(Duration.ofSeconds(252)) < 0)).hasSizeBetween(100, 300);
            assertThat(first.stream().filter(d -> d.compareTo(Duration.ofSeconds(288)) > 0)).hasSizeBetween(100, 300);
            assertThat(first.stream().distinct()).hasSizeGreaterThan(900);
            // and one task's cycles differ, so no two tasks stay in step
            VideoId one = VideoId.random();
            assertThat(java.util.stream.IntStream.range(0, 20).mapToObj(n -> UpstreamSaga.safetyPoll(Duration.ofMinutes(5), one, n))
                    .distinct()).hasSizeGreaterThan(15);
        }
    }

    @Nested
    class GiveUp {

        @Test
        void afterTheGiveUpTimeAFinalCheckIsMadeAndPollingStops() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER));
            effects.clear();

            fixture.whenTimeElapses(GIVE_UP_AFTER)
                    .expectNoScheduledDeadlineMatching(deadlineNamed(UpstreamSaga.POLL))
                    .expectNoScheduledDeadlines()
                    .expectActiveSagas(1) // it waits for the outcome of the final check
                    .expectNoDispatchedCommands();

            assertThat(effects.callsTo("finalCheck")).containsExactly(
                    new Call("finalCheck", videoId, PROVIDER, EXTERNAL_ID));
            assertThat(effects.callsTo("poll")).isNotEmpty();
            assertThat(effects.calls().get(effects.calls().size() - 1).method()).isEqualTo("finalCheck");
        }

        @Test
        void nothingIsPolledAfterTheGiveUp() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER))
                    .andThenTimeElapses(GIVE_UP_AFTER);
            assertThat(effects.callsTo("finalCheck")).hasSize(1);
            effects.clear();

            fixture.whenTimeElapses(Duration.ofMinutes(5))
                    .expectNoScheduledDeadlines();

            assertThat(effects.calls()).isEmpty();
        }

        @Test
        void noFinalCheckIsMadeBeforeTheGiveUpTime() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER));
            effects.clear();

            fixture.whenTimeElapses(GIVE_UP_AFTER.minusSeconds(1))
                    .expectScheduledDeadlineWithName(Duration.ofSeconds(1), UpstreamSaga.GIVE_UP);

            assertThat(effects.callsTo("finalCheck")).isEmpty();
        }
    }

    /**
     * The saga driven by hand against Axon's stub deadline manager, which the fixture does not expose: how many
     * deadlines a task has at once, and sagas the earlier version (a poll and a give-up each) accepted or polled.
     */
    @Nested
    class OneDeadlineAtATime {

        private final StubDeadlineManager deadlines = new StubDeadlineManager(T0) {
            @Override
            public String schedule(Duration triggerDuration, String deadlineName, Object payload) {
                return schedule(triggerDuration, deadlineName, payload, () -> "upstream-saga-test");
            }

            @Override
            public String schedule(Instant triggerDateTime, String deadlineName, Object payload) {
                return schedule(triggerDateTime, deadlineName, payload, () -> "upstream-saga-test");
            }
        };
        private final UpstreamTimings timings = new UpstreamTimings(new UpstreamProperties(4, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 256, WATCHDOG, ROUNDS, CHECK, Duration.ofMinutes(1)),
                new FixtureClock(deadlines::getCurrentDateTime));
        private final UpstreamSaga saga = new UpstreamSaga();

        private UpstreamSaga acceptedSaga() {
            saga.on(submitted());
            saga.on(new UpstreamTaskAccepted(videoId, PROVIDER, EXTERNAL_ID, T0), deadlines, providers, timings);
            return saga;
        }

        @Test
        void anAcceptedTaskHasOneDeadlineAtATimeUntilItIsGivenUp() {
            acceptedSaga();
            List<String> fired = new ArrayList<>();
            while (!deadlines.getScheduledDeadlines().isEmpty()) {
                assertThat(deadlines.getScheduledDeadlines()).as("deadlines after %s", fired).hasSize(1);
                assertThat(fired).as("deadlines fired").hasSizeLessThan(500); // 30 min of polls, 5 to 30 s apart
                ScheduledDeadlineInfo due = deadlines.advanceToNextTrigger();
                fired.add(due.getDeadlineName());
                if (due.getDeadlineName().equals(UpstreamSaga.GIVE_UP)) {
                    assertThat(due.getScheduleTime()).isEqualTo(T0.plus(GIVE_UP_AFTER));
                    saga.giveUp(videoId, effects, deadlines);
                } else {
                    assertThat(due.getScheduleTime()).isBefore(T0.plus(GIVE_UP_AFTER));
                    saga.poll(videoId, effects, deadlines, providers, timings);
                }
            }

            assertThat(fired).last().isEqualTo(UpstreamSaga.GIVE_UP);
            assertThat(fired).filteredOn(UpstreamSaga.GIVE_UP::equals).hasSize(1);
            assertThat(effects.callsTo("poll")).hasSize(fired.size() - 1);
            assertThat(effects.callsTo("finalCheck")).hasSize(1);
        }

        @Test
        void aPollThatFiresAfterTheGiveUpTimeIsFollowedByTheGiveUpAtOnce() {
            acceptedSaga();
            deadlines.advanceTimeTo(T0.plus(GIVE_UP_AFTER).plusSeconds(7), (scope, message) -> { });

            saga.poll(videoId, effects, deadlines, providers, timings);

            assertThat(deadlines.getScheduledDeadlines()).singleElement().satisfies(d -> {
                assertThat(d.getDeadlineName()).isEqualTo(UpstreamSaga.GIVE_UP);
                assertThat(d.getScheduleTime()).isBefore(deadlines.getCurrentDateTime()); // due: fires at once
            });
        }

        @Test
        void aSagaAcceptedByTheEarlierVersionGoesOnPollingBesideItsOwnGiveUpDeadline() {
            acceptedSaga();
            deadlines.advanceTimeTo(T0.plus(GIVE_UP_AFTER).minusSeconds(10), (scope, message) -> { });
            saga.giveUpDeadline = "its-own-give-up"; // the earlier version scheduled it at the acceptance

            saga.poll(videoId, effects, deadlines, providers, timings);

            assertThat(deadlines.getScheduledDeadlines()).singleElement()
                    .satisfies(d -> assertThat(d.getDeadlineName()).isEqualTo(UpstreamSaga.POLL));
            assertThat(saga.giveUpDeadline).isEqualTo("its-own-give-up");
        }

        /**
         * During a rolling upgrade a node of the earlier version may poll a saga this version accepted: it schedules
         * a poll only, expecting a give-up deadline that does not exist. The next poll handled here still gives up on
         * time, from the acceptance.
         */
        @Test
        void aSagaThisVersionAcceptedAndTheEarlierVersionPolledIsStillGivenUpOnTime() {
            acceptedSaga();
            deadlines.advanceTimeTo(T0.plus(GIVE_UP_AFTER).minusSeconds(10), (scope, message) -> { });
            saga.pollDeadline = null; // the earlier version's poll fired and scheduled the next one, a poll

            saga.poll(videoId, effects, deadlines, providers, timings);

            assertThat(deadlines.getScheduledDeadlines()).singleElement().satisfies(d -> {
                assertThat(d.getDeadlineName()).isEqualTo(UpstreamSaga.GIVE_UP);
                assertThat(d.getScheduleTime()).isEqualTo(T0.plus(GIVE_UP_AFTER));
            });
        }
    }

    @Nested
    class Cancellation {

        @Test
        void cancellingAnAcceptedTaskDeletesTheUpstreamJobCancelsAllDeadlinesAndEnds() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER));
            effects.clear();

            fixture.whenPublishingA(cancelled())
                    .expectNoScheduledDeadlines()
                    .expectActiveSagas(0)
                    .expectNoDispatchedCommands();

            assertThat(effects.calls()).containsExactly(
                    new Call("cancelUpstream", videoId, PROVIDER, EXTERNAL_ID));
        }

        @Test
        void cancellingBeforeAcceptanceKeepsTheSagaToDeleteALateJobButStopsTheWatchdog() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());
            effects.clear();

            fixture.whenPublishingA(cancelled())
                    .expectNoScheduledDeadlines()
                    .expectActiveSagas(1)
                    .expectNoDispatchedCommands();

            assertThat(effects.calls()).isEmpty();
        }

        @Test
        void aTaskCancelledBeforeAcceptanceIsNotResubmitted() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(cancelled());
            effects.clear();

            fixture.whenTimeElapses(WATCHDOG.multipliedBy(ROUNDS + 1))
                    .expectTriggeredDeadlinesWithName();

            assertThat(effects.calls()).isEmpty();
        }

        @Test
        void aLateAcceptanceAfterCancellationDeletesThatUpstreamJobAndEnds() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(cancelled());
            effects.clear();

            fixture.whenPublishingA(LateOutcomeRecorded.upstreamAccepted(videoId, TaskStatus.CANCELLED, "p1", "ext-9", fixture.currentTime()))
                    .expectActiveSagas(0)
                    .expectNoScheduledDeadlines()
                    .expectNoDispatchedCommands();

            assertThat(effects.calls()).containsExactly(new Call("cancelUpstream", videoId, "p1", "ext-9"));
        }

        @Test
        void anotherLateOutcomeAfterCancellationDeletesNothingAndEndsTheSaga() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(cancelled());
            effects.clear();

            fixture.whenPublishingA(LateOutcomeRecorded.failed(videoId, TaskStatus.CANCELLED, ErrorCode.UPSTREAM_UNAVAILABLE, "no provider accepted the task", fixture.currentTime()))
                    .expectActiveSagas(0);

            assertThat(effects.calls()).containsExactly(new Call("forget", videoId));
        }

        @Test
        void aLateAcceptanceWithoutCancellationIsIgnored() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());
            effects.clear();

            fixture.whenPublishingA(LateOutcomeRecorded.upstreamAccepted(videoId, TaskStatus.FAILED, "p1", "ext-9", fixture.currentTime()))
                    .expectActiveSagas(1);

            assertThat(effects.calls()).isEmpty();
        }
    }

    @Nested
    class End {

        @Test
        void aCompletedTaskEndsTheSagaCancelsItsDeadlinesAndIsForgotten() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER));
            effects.clear();

            fixture.whenPublishingA(new TaskCompleted(videoId, "s3://bucket/video.mp4", T0.plusSeconds(86_400), 8,
                            "1280x720", fixture.currentTime()))
                    .expectActiveSagas(0)
                    .expectNoScheduledDeadlines()
                    .expectNoDispatchedCommands();

            assertThat(effects.calls()).containsExactly(new Call("forget", videoId));
        }

        @Test
        void aFailedTaskEndsTheSagaCancelsItsDeadlinesAndIsForgotten() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER));
            effects.clear();

            fixture.whenPublishingA(new TaskFailed(videoId, ErrorCode.UPSTREAM_ERROR, "boom", false, "server_error",
                            fixture.currentTime()))
                    .expectActiveSagas(0)
                    .expectNoScheduledDeadlines()
                    .expectNoDispatchedCommands();

            assertThat(effects.calls()).containsExactly(new Call("forget", videoId));
        }

        @Test
        void aTaskFailingBeforeAcceptanceAlsoStopsTheWatchdog() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted());
            effects.clear();

            fixture.whenPublishingA(new TaskFailed(videoId, ErrorCode.UPSTREAM_UNAVAILABLE, "nobody took it", true,
                            null, fixture.currentTime()))
                    .expectActiveSagas(0)
                    .expectNoScheduledDeadlines();

            assertThat(effects.calls()).containsExactly(new Call("forget", videoId));
        }

        @Test
        void anExpiredTaskEndsTheSagaAndIsForgotten() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(cancelled());
            effects.clear();

            fixture.whenPublishingA(new TaskExpired(videoId, TaskStatus.CANCELLED, "retention", fixture.currentTime()))
                    .expectActiveSagas(0)
                    .expectNoScheduledDeadlines();

            assertThat(effects.calls()).containsExactly(new Call("forget", videoId));
        }

        @Test
        void nothingHappensForATaskAfterItsSagaEnded() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .andThenAPublished(accepted(PROVIDER))
                    .andThenAPublished(new TaskCompleted(videoId, "s3://bucket/video.mp4", T0.plusSeconds(86_400), 8,
                            "1280x720", fixture.currentTime()));
            effects.clear();

            fixture.whenTimeElapses(GIVE_UP_AFTER.plusMinutes(1))
                    .expectTriggeredDeadlinesWithName()
                    .expectActiveSagas(0);

            assertThat(effects.calls()).isEmpty();
        }
    }

    // ---- test doubles ----

    /** One call to the effects, with its arguments in order. */
    record Call(String method, List<Object> args) {

        Call(String method, Object... args) {
            this(method, Arrays.asList(args));
        }
    }

    /** Records every call; {@code poll} answers {@link #pollAnswer}. */
    static final class RecordingEffects implements UpstreamEffects {

        private final List<Call> calls = new ArrayList<>();
        boolean pollAnswer = true;

        List<Call> calls() {
            return List.copyOf(calls);
        }

        List<Call> callsTo(String method) {
            return calls.stream().filter(c -> c.method().equals(method)).toList();
        }

        void clear() {
            calls.clear();
        }

        @Override
        public void submit(VideoId videoId, TaskSpec spec, Lineage lineage, int round) {
            calls.add(new Call("submit", videoId, spec, lineage, round));
        }

        @Override
        public boolean poll(VideoId videoId, String providerId, String externalTaskId) {
            calls.add(new Call("poll", videoId, providerId, externalTaskId));
            return pollAnswer;
        }

        @Override
        public void refresh(VideoId videoId, String providerId, String externalTaskId) {
            calls.add(new Call("refresh", videoId, providerId, externalTaskId));
        }

        @Override
        public void finalCheck(VideoId videoId, String providerId, String externalTaskId) {
            calls.add(new Call("finalCheck", videoId, providerId, externalTaskId));
        }

        @Override
        public void cancelUpstream(VideoId videoId, String providerId, String externalTaskId) {
            calls.add(new Call("cancelUpstream", videoId, providerId, externalTaskId));
        }

        @Override
        public void giveUpSubmission(VideoId videoId, String reason) {
            calls.add(new Call("giveUpSubmission", videoId, reason));
        }

        @Override
        public void forget(VideoId videoId) {
            calls.add(new Call("forget", videoId));
        }
    }

    /** Knows only its routes; the saga never makes upstream calls itself. */
    static class FakeProviders implements UpstreamProviders {

        private final Map<String, ProviderRoute> routes;
        private final Map<VideoId, Binding> bindings = new java.util.HashMap<>();

        FakeProviders(Map<String, ProviderRoute> routes) {
            this.routes = new java.util.HashMap<>(routes);
        }

        void add(ProviderRoute route) {
            routes.put(route.id(), route);
        }

        @Override
        public List<ProviderRoute> routesFor(String model) {
            return List.copyOf(routes.values());
        }

        @Override
        public Optional<ProviderRoute> route(String providerId) {
            return Optional.ofNullable(routes.get(providerId));
        }

        @Override
        public Mono<UpstreamJob> create(String providerId, VideoId videoId, TaskSpec spec, int attempt) {
            throw new UnsupportedOperationException("the saga does not call providers");
        }

        @Override
        public Mono<UpstreamJob> remix(String providerId, String sourceExternalId, VideoId videoId, TaskSpec spec,
                                       int attempt) {
            throw new UnsupportedOperationException("the saga does not call providers");
        }

        @Override
        public Mono<UpstreamJob> retrieve(String providerId, String externalTaskId, VideoId videoId) {
            throw new UnsupportedOperationException("the saga does not call providers");
        }

        @Override
        public Mono<Void> delete(String providerId, String externalTaskId, VideoId videoId) {
            throw new UnsupportedOperationException("the saga does not call providers");
        }

        @Override
        public void bind(VideoId videoId, String providerId, String externalTaskId) {
            throw new UnsupportedOperationException("the saga does not bind jobs");
        }

        /** The binding row the adapter writes when a create succeeds, before the acceptance command. */
        void bound(VideoId videoId, String providerId, String externalTaskId) {
            bindings.put(videoId, new Binding(providerId, externalTaskId));
        }

        @Override
        public Optional<Binding> bindingOf(VideoId videoId) {
            return Optional.ofNullable(bindings.get(videoId));
        }
    }

    /** A clock that reads the fixture's simulated time. */
    static final class FixtureClock extends Clock {

        private final Supplier<Instant> now;

        FixtureClock(Supplier<Instant> now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    /** What the saga settled with the owner's account. */
    record Settlement(String owner, VideoId videoId, TaskStatus outcome, Integer actualSeconds) {
    }

    /** Node runs: which one this is, and which are gone; records the runs the saga asked about. */
    static final class FakeNodes implements NodeLiveness {
        private String current;
        private final java.util.Set<String> gone = new java.util.HashSet<>();
        final List<String> asked = new ArrayList<>();

        FakeNodes(String current) {
            this.current = current;
        }

        void nowRunning(String run) {
            current = run;
        }

        void gone(String run) {
            gone.add(run);
        }

        @Override
        public String thisRun() {
            return current;
        }

        @Override
        public boolean isRunning(String run) {
            asked.add(run);
            return !gone.contains(run);
        }
    }

    static final class RecordingAdmissions implements Admissions {

        final List<Settlement> settlements = new ArrayList<>();

        @Override
        public void reserve(String owner, VideoId videoId, TaskSpec spec, Instant at) {
            throw new AssertionError("the saga never reserves");
        }

        @Override
        public void settle(String owner, VideoId videoId, TaskStatus outcome, Integer actualSeconds, Instant at) {
            settlements.add(new Settlement(owner, videoId, outcome, actualSeconds));
        }
    }

    @Nested
    class Settling {

        @Test
        void aCompletionCapturesWithTheSecondsTheProviderDelivered() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted()).andThenAPublished(accepted(PROVIDER))
                    .whenPublishingA(new TaskCompleted(videoId, "https://cdn/x.mp4", null, 7, "1280x720", T0.plusSeconds(60)))
                    .expectActiveSagas(0);

            assertThat(admissions.settlements).containsExactly(new Settlement("alice", videoId, TaskStatus.COMPLETED, 7));
        }

        @Test
        void aFailureReleasesTheHold() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted())
                    .whenPublishingA(new TaskFailed(videoId, ErrorCode.UPSTREAM_REJECTED, "no", false, "400", T0))
                    .expectActiveSagas(0);

            assertThat(admissions.settlements).containsExactly(new Settlement("alice", videoId, TaskStatus.FAILED, null));
        }

        @Test
        void aTaskCancelledWhileWaitingInReelayEndsWithoutAnyUpstreamCall() throws Exception {
            fixture.givenAPublished(submitted())
                    .whenPublishingA(cancelled())
                    .expectActiveSagas(0)
                    .expectNoScheduledDeadlines();

            assertThat(effects.calls()).isEmpty();
            assertThat(admissions.settlements).containsExactly(new Settlement("alice", videoId, TaskStatus.CANCELLED, null));
        }

        /** A saga started before guardrails existed has no owner in its stored state, and its task holds nothing. */
        @Test
        void aSagaFromBeforeGuardrailsEndsWithoutSettlingAnything() throws Exception {
            fixture.givenAPublished(new TaskSubmitted(videoId, null, SPEC, null, T0)).andThenAPublished(accepted(PROVIDER))
                    .whenPublishingA(new TaskCompleted(videoId, "https://cdn/x.mp4", null, 7, "1280x720", T0.plusSeconds(60)))
                    .expectActiveSagas(0)
                    .expectNoScheduledDeadlines();

            assertThat(admissions.settlements).isEmpty();
        }

        @Test
        void anAdmissionAfterACancelSubmitsNothing() throws Exception {
            fixture.givenAPublished(submitted()).andThenAPublished(admitted()).andThenAPublished(cancelled())
                    .andThenAPublished(LateOutcomeRecorded.failed(videoId, TaskStatus.CANCELLED, ErrorCode.UPSTREAM_ERROR, "x", T0));
            effects.clear();

            fixture.whenPublishingA(admitted()).expectActiveSagas(0);

            assertThat(effects.callsTo("submit")).isEmpty();
        }
    }
}
