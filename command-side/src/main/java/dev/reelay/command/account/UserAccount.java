package dev.reelay.command.account;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.reelay.command.port.GuardrailPolicy;
import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.account.Slot;
import dev.reelay.kernel.command.HoldTokens;
import dev.reelay.kernel.command.ReserveForTask;
import dev.reelay.kernel.command.SetUserLimits;
import dev.reelay.kernel.command.SettleTask;
import dev.reelay.kernel.command.SettleTokens;
import dev.reelay.kernel.event.QuotaCaptured;
import dev.reelay.kernel.event.QuotaHeld;
import dev.reelay.kernel.event.QuotaReleased;
import dev.reelay.kernel.event.TaskAdmitted;
import dev.reelay.kernel.event.TaskQueuedForSlot;
import dev.reelay.kernel.event.TokensCaptured;
import dev.reelay.kernel.event.TokensHeld;
import dev.reelay.kernel.event.TokensReleased;
import dev.reelay.kernel.event.UserLimitsChanged;
import dev.reelay.kernel.task.QuotaExceededException;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateCreationPolicy;
import org.axonframework.serialization.Revision;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.CreationPolicy;
import org.axonframework.spring.stereotype.Aggregate;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

/**
 * One user's guardrails, event-sourced so they survive restarts and can be audited: the concurrency slots with their
 * first-in-first-out queue, and the quota ledger (hold on submit, capture on completion, release otherwise).
 * <p>
 * A hold counts against the period it was placed in; its capture is booked to that same period. Usage of a period is
 * what was captured in it plus what is still held in it. Snapshots keep loading cheap (the stream grows with every
 * task), so the state is plain Jackson-serialisable data.
 */
@Aggregate(snapshotTriggerDefinition = "accountSnapshotTrigger", cache = "accountCache")
@Revision("2") // the snapshot's shape: bump it when a field changes, and older snapshots are ignored (rebuilt from events)
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
class UserAccount {

    private static final int SCALE = 3;

    @AggregateIdentifier
    private AccountId accountId;
    private String owner;
    private Integer maxConcurrentOverride;
    private BigDecimal quotaOverride;
    /** admitted and not yet settled, in admission order */
    private LinkedHashSet<String> active = new LinkedHashSet<>();
    /** waiting for a slot, first in first out */
    private ArrayDeque<String> waiting = new ArrayDeque<>();
    /** unsettled holds by task id */
    private Map<String, Hold> holds = new HashMap<>();
    /**
     * The sum of {@link #holds}' amounts per period, so a reservation reads its period's usage without a loop. Derived
     * from {@link #holds} on first use and kept in step after that; not part of the snapshot.
     */
    @JsonIgnore
    private Map<Instant, BigDecimal> heldByPeriod;
    private Instant capturedPeriod;
    private BigDecimal capturedInPeriod = BigDecimal.ZERO;
    /** unsettled prompt-assistant token holds by call id: the same ledger, in tokens */
    private Map<String, TokenHold> tokenHolds = new HashMap<>();
    private Instant tokensCapturedPeriod;
    private long tokensCapturedInPeriod;

    /** {@code seconds} is what was asked for: a completion that reports no duration captures that much. */
    record Hold(String model, int seconds, BigDecimal priceFactor, BigDecimal amount, Instant periodStart) {
    }

    record TokenHold(String model, long tokens, Instant periodStart) {
    }

    protected UserAccount() {
        // for Axon
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(ReserveForTask command, GuardrailPolicy policy) {
        String videoId = command.videoId().value();
        if (holds.containsKey(videoId)) {
            return; // already reserved: nothing new
        }
        Duration period = policy.quotaPeriod();
        Instant periodStart = periodStart(command.requestedAt(), period);
        Instant periodEnd = periodStart.plus(period);
        BigDecimal factor = policy.priceFactor(command.model(), command.size());
        BigDecimal amount = factor.multiply(BigDecimal.valueOf(command.seconds())).setScale(SCALE, RoundingMode.HALF_UP);
        BigDecimal limit = quotaOverride != null ? quotaOverride : policy.quotaVideoSeconds();
        BigDecimal used = usedIn(periodStart);
        if (used.add(amount).compareTo(limit) > 0) {
            throw new QuotaExceededException(periodEnd, limit, used, amount);
        }
        apply(new QuotaHeld(command.owner(), command.videoId(), command.model(), command.size(), command.seconds(),
                factor, amount, periodStart, periodEnd, command.requestedAt()));
        int cap = maxConcurrent(policy);
        if (active.size() < cap && waiting.isEmpty()) {
            apply(new TaskAdmitted(command.owner(), command.videoId(), false, command.requestedAt()));
        } else {
            apply(new TaskQueuedForSlot(command.owner(), command.videoId(), waiting.size() + 1, cap, command.requestedAt()));
        }
    }

    @CommandHandler
    void handle(SettleTask command, GuardrailPolicy policy) {
        String videoId = command.videoId().value();
        Hold hold = holds.get(videoId);
        if (hold == null) {
            return; // settled before (a repeated end signal): nothing new
        }
        Slot slot = active.contains(videoId) ? Slot.ACTIVE : Slot.WAITING;
        if (command.outcome() == TaskStatus.COMPLETED) {
            int seconds = command.actualSeconds() == null || command.actualSeconds() <= 0
                    ? hold.seconds()
                    : command.actualSeconds();
            BigDecimal captured = hold.priceFactor().multiply(BigDecimal.valueOf(seconds)).setScale(SCALE, RoundingMode.HALF_UP);
            apply(new QuotaCaptured(owner, command.videoId(), hold.model(), hold.amount(), captured, seconds,
                    hold.periodStart(), slot, command.settledAt()));
        } else {
            apply(new QuotaReleased(owner, command.videoId(), hold.model(), hold.amount(), command.outcome(),
                    hold.periodStart(), slot, command.settledAt()));
        }
        admitWaiting(policy, command.settledAt());
    }

    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(SetUserLimits command, GuardrailPolicy policy) {
        apply(new UserLimitsChanged(command.owner(), command.maxConcurrent(), command.quotaVideoSeconds(),
                command.changedBy(), command.changedAt()));
        admitWaiting(policy, command.changedAt());
    }

    /** The token ledger runs like the video-seconds one: hold before the call, capture or release after it. */
    @CommandHandler
    @CreationPolicy(AggregateCreationPolicy.CREATE_IF_MISSING)
    void handle(HoldTokens command, GuardrailPolicy policy) {
        if (tokenHolds.containsKey(command.callId())) {
            return;
        }
        Duration period = policy.quotaPeriod();
        Instant periodStart = periodStart(command.requestedAt(), period);
        Instant periodEnd = periodStart.plus(period);
        long limit = policy.quotaTokens();
        long used = tokensUsedIn(periodStart);
        if (used + command.tokens() > limit) {
            throw new QuotaExceededException("this prompt-assistant call", "tokens", periodEnd, BigDecimal.valueOf(limit),
                    BigDecimal.valueOf(used), BigDecimal.valueOf(command.tokens()));
        }
        apply(new TokensHeld(command.owner(), command.callId(), command.model(), command.tokens(), periodStart, periodEnd,
                command.requestedAt()));
    }

    @CommandHandler
    void handle(SettleTokens command) {
        TokenHold hold = tokenHolds.get(command.callId());
        if (hold == null) {
            return; // settled before: nothing new
        }
        if (command.used()) {
            apply(new TokensCaptured(owner, command.callId(), hold.model(), hold.tokens(), command.promptTokens(),
                    command.completionTokens(), command.callDigest(), hold.periodStart(), command.settledAt()));
        } else {
            apply(new TokensReleased(owner, command.callId(), hold.model(), hold.tokens(), command.callDigest(),
                    hold.periodStart(), command.settledAt()));
        }
    }

    private long tokensUsedIn(Instant periodStart) {
        long used = periodStart.equals(tokensCapturedPeriod) ? tokensCapturedInPeriod : 0;
        for (TokenHold hold : tokenHolds.values()) {
            if (hold.periodStart().equals(periodStart)) {
                used += hold.tokens();
            }
        }
        return used;
    }

    private void admitWaiting(GuardrailPolicy policy, Instant at) {
        int cap = maxConcurrent(policy);
        while (active.size() < cap && !waiting.isEmpty()) {
            apply(new TaskAdmitted(owner, new VideoId(waiting.peekFirst()), true, at));
        }
    }

    private int maxConcurrent(GuardrailPolicy policy) {
        return maxConcurrentOverride != null ? maxConcurrentOverride : policy.maxConcurrent();
    }

    /** What the period starting at {@code periodStart} has used: captured plus still held (package-private for tests). */
    BigDecimal usedIn(Instant periodStart) {
        BigDecimal captured = periodStart.equals(capturedPeriod) ? capturedInPeriod : BigDecimal.ZERO;
        return captured.add(heldByPeriod().getOrDefault(periodStart, BigDecimal.ZERO));
    }

    private Map<Instant, BigDecimal> heldByPeriod() {
        if (heldByPeriod == null) {
            heldByPeriod = new HashMap<>();
            holds.values().forEach(hold -> heldByPeriod.merge(hold.periodStart(), hold.amount(), BigDecimal::add));
        }
        return heldByPeriod;
    }

    static Instant periodStart(Instant at, Duration period) {
        long length = period.toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(at.toEpochMilli(), length) * length);
    }

    @EventSourcingHandler
    void on(QuotaHeld event) {
        if (accountId == null) {
            accountId = AccountId.of(event.owner());
            owner = event.owner();
        }
        Map<Instant, BigDecimal> sums = heldByPeriod(); // derived, if need be, from the holds before this one
        Hold hold = new Hold(event.model(), event.seconds(), event.priceFactor(), event.amount(), event.periodStart());
        Hold replaced = holds.put(event.videoId().value(), hold);
        if (replaced != null) {
            subtract(sums, replaced);
        }
        sums.merge(hold.periodStart(), hold.amount(), BigDecimal::add);
    }

    @EventSourcingHandler
    void on(TaskAdmitted event) {
        waiting.remove(event.videoId().value());
        active.add(event.videoId().value());
    }

    @EventSourcingHandler
    void on(TaskQueuedForSlot event) {
        waiting.addLast(event.videoId().value());
    }

    @EventSourcingHandler
    void on(QuotaCaptured event) {
        settle(event.videoId().value());
        if (capturedPeriod == null || event.periodStart().isAfter(capturedPeriod)) {
            capturedPeriod = event.periodStart();
            capturedInPeriod = BigDecimal.ZERO;
        }
        if (event.periodStart().equals(capturedPeriod)) {
            capturedInPeriod = capturedInPeriod.add(event.captured());
        }
    }

    @EventSourcingHandler
    void on(QuotaReleased event) {
        settle(event.videoId().value());
    }

    @EventSourcingHandler
    void on(UserLimitsChanged event) {
        if (accountId == null) {
            accountId = AccountId.of(event.owner());
            owner = event.owner();
        }
        maxConcurrentOverride = event.maxConcurrent();
        quotaOverride = event.quotaVideoSeconds();
    }

    @EventSourcingHandler
    void on(TokensHeld event) {
        if (accountId == null) {
            accountId = AccountId.of(event.owner());
            owner = event.owner();
        }
        tokenHolds.put(event.callId(), new TokenHold(event.model(), event.tokens(), event.periodStart()));
    }

    @EventSourcingHandler
    void on(TokensCaptured event) {
        tokenHolds.remove(event.callId());
        if (tokensCapturedPeriod == null || event.periodStart().isAfter(tokensCapturedPeriod)) {
            tokensCapturedPeriod = event.periodStart();
            tokensCapturedInPeriod = 0;
        }
        if (event.periodStart().equals(tokensCapturedPeriod)) {
            tokensCapturedInPeriod += event.captured();
        }
    }

    @EventSourcingHandler
    void on(TokensReleased event) {
        tokenHolds.remove(event.callId());
    }

    private void settle(String videoId) {
        Map<Instant, BigDecimal> sums = heldByPeriod(); // derived, if need be, from the holds before this change
        Hold hold = holds.remove(videoId);
        if (hold != null) {
            subtract(sums, hold);
        }
        active.remove(videoId);
        waiting.remove(videoId);
    }

    private static void subtract(Map<Instant, BigDecimal> sums, Hold hold) {
        sums.computeIfPresent(hold.periodStart(), (period, sum) -> {
            BigDecimal left = sum.subtract(hold.amount());
            return left.signum() == 0 ? null : left;
        });
    }

    /** For the fixture tests' state assertions. */
    Set<String> active() {
        return active;
    }
}
