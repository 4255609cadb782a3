package dev.reelay.command.account;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.reelay.command.port.GuardrailPolicy;
import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.account.Slot;
import dev.reelay.kernel.command.HoldTokens;
import dev.reelay.kernel.command.ReserveForTask;
import dev.reelay.kernel.command.SettleTokens;
import dev.reelay.kernel.event.TokensCaptured;
import dev.reelay.kernel.event.TokensHeld;
import dev.reelay.kernel.event.TokensReleased;
import dev.reelay.kernel.command.SetUserLimits;
import dev.reelay.kernel.command.SettleTask;
import dev.reelay.kernel.event.QuotaCaptured;
import dev.reelay.kernel.event.QuotaHeld;
import dev.reelay.kernel.event.QuotaReleased;
import dev.reelay.kernel.event.TaskAdmitted;
import dev.reelay.kernel.event.TaskQueuedForSlot;
import dev.reelay.kernel.event.UserLimitsChanged;
import dev.reelay.kernel.task.QuotaExceededException;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class UserAccountTest {

    private static final String OWNER = "alice";
    private static final AccountId ACCOUNT = AccountId.of(OWNER);
    private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
    private static final Instant DAY_START = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant DAY_END = Instant.parse("2025-01-02T00:00:00Z");
    private static final Instant NEXT_DAY = Instant.parse("2025-01-02T09:00:00Z");

    private final VideoId v1 = VideoId.derivedFrom("account-test-1");
    private final VideoId v2 = VideoId.derivedFrom("account-test-2");
    private final VideoId v3 = VideoId.derivedFrom("account-test-3");

    private AggregateTestFixture<UserAccount> fixture;
    private FixedPolicy policy;

    /** Two slots, 30 video-seconds a day, sora-2-pro at 3 per second. */
    static final class FixedPolicy implements GuardrailPolicy {
        int maxConcurrent = 2;
        BigDecimal quota = new BigDecimal("30");

        @Override
        public int maxConcurrent() {
            return maxConcurrent;
        }

        @Override
        public BigDecimal quotaVideoSeconds() {
            return quota;
        }

        @Override
        public long quotaTokens() {
            return 1_000;
        }

        @Override
        public Duration quotaPeriod() {
            return Duration.ofDays(1);
        }

        @Override
        public BigDecimal priceFactor(String model, String size) {
            return "sora-2-pro".equals(model) ? new BigDecimal("3") : BigDecimal.ONE;
        }
    }

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(UserAccount.class);
        policy = new FixedPolicy();
        fixture.registerInjectableResource(policy);
    }

    private static ReserveForTask reserve(VideoId id, int seconds, Instant at) {
        return new ReserveForTask(ACCOUNT, OWNER, id, "sora-2", "1280x720", seconds, at);
    }

    private static QuotaHeld held(VideoId id, int seconds, Instant periodStart, Instant at) {
        return new QuotaHeld(OWNER, id, "sora-2", "1280x720", seconds, BigDecimal.ONE, amount(seconds), periodStart,
                periodStart.plus(Duration.ofDays(1)), at);
    }

    private static BigDecimal amount(int seconds) {
        return new BigDecimal(seconds).setScale(3);
    }

    private static TaskAdmitted admitted(VideoId id, boolean fromQueue, Instant at) {
        return new TaskAdmitted(OWNER, id, fromQueue, at);
    }

    @Nested
    class TokenLedger {

        private TokensHeld tokensHeld(String call, long tokens, Instant at) {
            return new TokensHeld(OWNER, call, "gpt", tokens, DAY_START, DAY_END, at);
        }

        @Test
        void aCallHoldsItsEstimateOfTheDailyTokenQuota() {
            fixture.givenNoPriorActivity()
                    .when(new HoldTokens(ACCOUNT, OWNER, "c1", "gpt", 400, T0))
                    .expectEvents(tokensHeld("c1", 400, T0));
        }

        @Test
        void aCallBeyondWhatIsCapturedAndHeldIsRefusedUntilTheDayEnds() {
            fixture.given(tokensHeld("c1", 400, T0),
                            new TokensCaptured(OWNER, "c1", "gpt", 400, 300, 250, "d1", DAY_START, T0),
                            tokensHeld("c2", 300, T0))
                    .when(new HoldTokens(ACCOUNT, OWNER, "c3", "gpt", 151, T0))
                    .expectNoEvents()
                    .expectException(QuotaExceededException.class)
                    .expectExceptionMessage("this prompt-assistant call needs 151 tokens of quota; 850 of 1000 are used "
                            + "or held until " + DAY_END);
        }

        @Test
        void theNextDayStartsFromNothing() {
            fixture.given(tokensHeld("c1", 900, T0),
                            new TokensCaptured(OWNER, "c1", "gpt", 900, 600, 300, "d1", DAY_START, T0))
                    .when(new HoldTokens(ACCOUNT, OWNER, "c2", "gpt", 1000, NEXT_DAY))
                    .expectEvents(new TokensHeld(OWNER, "c2", "gpt", 1000, DAY_END, DAY_END.plus(Duration.ofDays(1)),
                            NEXT_DAY));
        }

        @Test
        void anAnsweredCallCapturesWhatTheModelReportedAndAFailedOneReleases() {
            fixture.given(tokensHeld("c1", 400, T0))
                    .when(new SettleTokens(ACCOUNT, "c1", true, 120, 80, "d1", T0))
                    .expectEvents(new TokensCaptured(OWNER, "c1", "gpt", 400, 120, 80, "d1", DAY_START, T0));
            fixture.given(tokensHeld("c1", 400, T0))
                    .when(new SettleTokens(ACCOUNT, "c1", false, 0, 0, "d1", T0))
                    .expectEvents(new TokensReleased(OWNER, "c1", "gpt", 400, "d1", DAY_START, T0));
        }

        @Test
        void aRepeatedSettlementChangesNothing() {
            fixture.given(tokensHeld("c1", 400, T0), new TokensReleased(OWNER, "c1", "gpt", 400, "d1", DAY_START, T0))
                    .when(new SettleTokens(ACCOUNT, "c1", true, 1, 1, "d1", T0))
                    .expectNoEvents();
        }
    }

    @Nested
    class Slots {

        @Test
        void aTaskUnderTheCapIsHeldAndAdmittedAtOnce() {
            fixture.givenNoPriorActivity()
                    .when(reserve(v1, 8, T0))
                    .expectEvents(held(v1, 8, DAY_START, T0), admitted(v1, false, T0));
        }

        @Test
        void aTaskAboveTheCapWaitsInReelayWithItsPosition() {
            fixture.given(held(v1, 4, DAY_START, T0), admitted(v1, false, T0),
                            held(v2, 4, DAY_START, T0), admitted(v2, false, T0))
                    .when(reserve(v3, 4, T0))
                    .expectEvents(held(v3, 4, DAY_START, T0), new TaskQueuedForSlot(OWNER, v3, 1, 2, T0));
        }

        @Test
        void aFreedSlotGoesToTheFirstWaitingTask() {
            VideoId v4 = VideoId.derivedFrom("account-test-4");
            policy.maxConcurrent = 1;
            Instant later = T0.plusSeconds(60);
            fixture.given(held(v1, 4, DAY_START, T0), admitted(v1, false, T0),
                            held(v2, 4, DAY_START, T0), new TaskQueuedForSlot(OWNER, v2, 1, 1, T0),
                            held(v3, 4, DAY_START, T0), new TaskQueuedForSlot(OWNER, v3, 2, 1, T0))
                    .when(new SettleTask(ACCOUNT, v1, TaskStatus.FAILED, null, later))
                    .expectEvents(new QuotaReleased(OWNER, v1, "sora-2", amount(4), TaskStatus.FAILED, DAY_START,
                            Slot.ACTIVE, later), admitted(v2, true, later));
            // and the next one after that is v3, whatever was submitted since
            fixture.given(held(v1, 4, DAY_START, T0), admitted(v1, false, T0),
                            held(v2, 4, DAY_START, T0), new TaskQueuedForSlot(OWNER, v2, 1, 1, T0),
                            held(v3, 4, DAY_START, T0), new TaskQueuedForSlot(OWNER, v3, 2, 1, T0),
                            new QuotaReleased(OWNER, v1, "sora-2", amount(4), TaskStatus.FAILED, DAY_START, Slot.ACTIVE, later),
                            admitted(v2, true, later))
                    .when(reserve(v4, 4, later))
                    .expectEvents(held(v4, 4, DAY_START, later), new TaskQueuedForSlot(OWNER, v4, 2, 1, later));
        }

        @Test
        void cancellingAWaitingTaskReleasesItWithoutAdmittingAnything() {
            policy.maxConcurrent = 1;
            fixture.given(held(v1, 4, DAY_START, T0), admitted(v1, false, T0),
                            held(v2, 4, DAY_START, T0), new TaskQueuedForSlot(OWNER, v2, 1, 1, T0))
                    .when(new SettleTask(ACCOUNT, v2, TaskStatus.CANCELLED, null, T0))
                    .expectEvents(new QuotaReleased(OWNER, v2, "sora-2", amount(4), TaskStatus.CANCELLED, DAY_START,
                            Slot.WAITING, T0));
        }

        @Test
        void raisingAUsersCapAdmitsWaitingTasksAtOnce() {
            policy.maxConcurrent = 1;
            fixture.given(held(v1, 4, DAY_START, T0), admitted(v1, false, T0),
                            held(v2, 4, DAY_START, T0), new TaskQueuedForSlot(OWNER, v2, 1, 1, T0),
                            held(v3, 4, DAY_START, T0), new TaskQueuedForSlot(OWNER, v3, 2, 1, T0))
                    .when(new SetUserLimits(ACCOUNT, OWNER, 2, null, "root", T0))
                    .expectEvents(new UserLimitsChanged(OWNER, 2, null, "root", T0), admitted(v2, true, T0));
        }

        @Test
        void aCapOfZeroHoldsEveryTask() {
            fixture.given(new UserLimitsChanged(OWNER, 0, null, "root", T0))
                    .when(reserve(v1, 4, T0))
                    .expectEvents(held(v1, 4, DAY_START, T0), new TaskQueuedForSlot(OWNER, v1, 1, 0, T0));
        }
    }

    @Nested
    class Quota {

        @Test
        void aCompletionCapturesTheDeliveredSecondsTimesThePriceFactor() {
            QuotaHeld pro = new QuotaHeld(OWNER, v1, "sora-2-pro", "1280x720", 8, new BigDecimal("3"),
                    new BigDecimal("24.000"), DAY_START, DAY_END, T0);
            fixture.given(pro, admitted(v1, false, T0))
                    .when(new SettleTask(ACCOUNT, v1, TaskStatus.COMPLETED, 4, T0.plusSeconds(90)))
                    .expectEvents(new QuotaCaptured(OWNER, v1, "sora-2-pro", new BigDecimal("24.000"),
                            new BigDecimal("12.000"), 4, DAY_START, Slot.ACTIVE, T0.plusSeconds(90)));
        }

        @Test
        void thePriceFactorOfTheModelSetsTheHold() {
            fixture.givenNoPriorActivity()
                    .when(new ReserveForTask(ACCOUNT, OWNER, v1, "sora-2-pro", "1280x720", 8, T0))
                    .expectEvents(new QuotaHeld(OWNER, v1, "sora-2-pro", "1280x720", 8, new BigDecimal("3"),
                            new BigDecimal("24.000"), DAY_START, DAY_END, T0), admitted(v1, false, T0));
        }

        @Test
        void aSubmissionBeyondTheQuotaIsRefusedWithTheResetTimeAndRecordsNothing() {
            fixture.given(held(v1, 12, DAY_START, T0), admitted(v1, false, T0),
                            held(v2, 12, DAY_START, T0), admitted(v2, false, T0))
                    .when(reserve(v3, 8, T0))
                    .expectNoEvents()
                    .expectException(QuotaExceededException.class)
                    .expectExceptionMessage(org.hamcrest.Matchers.containsString("until " + DAY_END));
        }

        @Test
        void capturedAndHeldBothCount() {
            fixture.given(held(v1, 12, DAY_START, T0), admitted(v1, false, T0),
                            new QuotaCaptured(OWNER, v1, "sora-2", amount(12), amount(12), 12, DAY_START, Slot.ACTIVE, T0),
                            held(v2, 12, DAY_START, T0), admitted(v2, false, T0))
                    .when(reserve(v3, 8, T0))
                    .expectException(QuotaExceededException.class);
        }

        @Test
        void aReleasedHoldGoesBackToTheQuota() {
            fixture.given(held(v1, 12, DAY_START, T0), admitted(v1, false, T0),
                            held(v2, 12, DAY_START, T0), admitted(v2, false, T0),
                            new QuotaReleased(OWNER, v2, "sora-2", amount(12), TaskStatus.FAILED, DAY_START, Slot.ACTIVE, T0))
                    .when(reserve(v3, 8, T0))
                    .expectEvents(held(v3, 8, DAY_START, T0), admitted(v3, false, T0));
        }

        @Test
        void aNewPeriodStartsFromZeroWhileOldHoldsStillSettleIntoTheirOwnPeriod() {
            fixture.given(held(v1, 15, DAY_START, T0), admitted(v1, false, T0),
                            held(v2, 15, DAY_START, T0), admitted(v2, false, T0),
                            new QuotaCaptured(OWNER, v1, "sora-2", amount(15), amount(15), 15, DAY_START, Slot.ACTIVE, T0))
                    .when(reserve(v3, 30, NEXT_DAY))
                    .expectEvents(held(v3, 30, DAY_END, NEXT_DAY), admitted(v3, false, NEXT_DAY));
        }

        @Test
        void anAdminsQuotaForTheUserReplacesTheDefault() {
            fixture.given(new UserLimitsChanged(OWNER, null, new BigDecimal("5"), "root", T0))
                    .when(reserve(v1, 8, T0))
                    .expectException(QuotaExceededException.class)
                    .expectNoEvents();
        }

        @Test
        void aFreeModelCapturesZeroAndACompletionWithoutADurationUsesTheAskedSeconds() {
            QuotaHeld free = new QuotaHeld(OWNER, v1, "free-model", "1280x720", 8, BigDecimal.ZERO,
                    new BigDecimal("0.000"), DAY_START, DAY_END, T0);
            fixture.given(free, admitted(v1, false, T0))
                    .when(new SettleTask(ACCOUNT, v1, TaskStatus.COMPLETED, null, T0.plusSeconds(90)))
                    .expectEvents(new QuotaCaptured(OWNER, v1, "free-model", new BigDecimal("0.000"),
                            new BigDecimal("0.000"), 8, DAY_START, Slot.ACTIVE, T0.plusSeconds(90)));
        }

        /**
         * The account keeps the held sum per period as holds come and go: a day's usage is what it captured plus what
         * is still held in it, and an open hold of the day before counts only there. 10 captured + 10 held leave
         * exactly 10 of the 30.
         */
        @Test
        void usageIsCapturedPlusWhatIsStillHeldInThePeriod() {
            VideoId yesterday = VideoId.derivedFrom("account-test-yesterday");
            VideoId v4 = VideoId.derivedFrom("account-test-4");
            Object[] history = {held(yesterday, 25, DAY_START.minus(Duration.ofDays(1)), T0.minus(Duration.ofDays(1))),
                    held(v1, 10, DAY_START, T0), admitted(v1, false, T0),
                    held(v2, 10, DAY_START, T0), admitted(v2, false, T0),
                    held(v3, 10, DAY_START, T0), admitted(v3, false, T0),
                    new QuotaReleased(OWNER, v2, "sora-2", amount(10), TaskStatus.FAILED, DAY_START, Slot.ACTIVE, T0),
                    new QuotaCaptured(OWNER, v3, "sora-2", amount(10), amount(10), 10, DAY_START, Slot.ACTIVE, T0)};
            fixture.given(history)
                    .when(reserve(v4, 10, T0))
                    .expectEvents(held(v4, 10, DAY_START, T0), admitted(v4, false, T0));
            setUp();
            fixture.given(history)
                    .when(reserve(v4, 11, T0))
                    .expectException(QuotaExceededException.class)
                    .expectNoEvents();
        }

        @Test
        void aRepeatedEndSignalSettlesNothingTwice() {
            fixture.given(held(v1, 4, DAY_START, T0), admitted(v1, false, T0),
                            new QuotaReleased(OWNER, v1, "sora-2", amount(4), TaskStatus.FAILED, DAY_START, Slot.ACTIVE, T0))
                    .when(new SettleTask(ACCOUNT, v1, TaskStatus.FAILED, null, T0))
                    .expectSuccessfulHandlerExecution()
                    .expectNoEvents();
        }
    }

    @Test
    void theStateSurvivesASnapshotRoundTrip() throws Exception {
        UserAccount account = new UserAccount();
        account.on(new UserLimitsChanged(OWNER, 1, new BigDecimal("100"), "root", T0));
        account.on(held(v1, 4, DAY_START, T0));
        account.on(admitted(v1, false, T0));
        account.on(held(v2, 4, DAY_START, T0));
        account.on(new TaskQueuedForSlot(OWNER, v2, 1, 1, T0));
        account.on(new QuotaCaptured(OWNER, v3, "sora-2", amount(2), amount(2), 2, DAY_START, Slot.ACTIVE, T0));
        ObjectMapper mapper = new ObjectMapper().registerModule(new JavaTimeModule());

        String json = mapper.writeValueAsString(account);
        UserAccount restored = mapper.readValue(json, UserAccount.class);

        assertThat(mapper.writeValueAsString(restored)).isEqualTo(json);
        assertThat(json).contains("\"active\":[\"" + v1.value() + "\"]", "\"waiting\":[\"" + v2.value() + "\"]",
                "\"capturedInPeriod\":2.000", "\"quotaOverride\":100");
        // the held sum per period is derived state: not in the snapshot, derived again from the holds after a load
        assertThat(json).doesNotContain("heldByPeriod");
        assertThat(restored.usedIn(DAY_START)).isEqualByComparingTo("10").isEqualTo(account.usedIn(DAY_START));
        assertThat(restored.active()).containsExactly(v1.value());
    }
}
