package dev.reelay.query.accounts;

import dev.reelay.kernel.account.Slot;
import dev.reelay.kernel.event.QuotaCaptured;
import dev.reelay.kernel.event.QuotaHeld;
import dev.reelay.kernel.event.QuotaReleased;
import dev.reelay.kernel.event.TaskAdmitted;
import dev.reelay.kernel.event.TaskQueuedForSlot;
import dev.reelay.kernel.event.TokensCaptured;
import dev.reelay.kernel.event.TokensHeld;
import dev.reelay.kernel.event.TokensReleased;
import dev.reelay.kernel.event.UserLimitsChanged;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Instant;

/**
 * The quota balance and slot counts per user ({@code account_balance}) and one spend row per captured task
 * ({@code spend_entry}), from the account events. Mirrors the aggregate's booking rule: a hold counts in the period it
 * was placed in and its capture or release is booked there; a movement of an older period than the row's latest
 * leaves the row's amounts alone. One segment, so a user's movements apply in order; the token commits in the same
 * transaction as the rows, and a rebuild starts from empty tables.
 */
@Component
@ProcessingGroup(AccountProjector.GROUP)
class AccountProjector {

    public static final String GROUP = dev.reelay.query.ProjectionGroups.ACCOUNTS;

    /**
     * Every change records the sequence number of the account event it applied ({@code last_seq}), so a write can tell
     * when the row shows it (read-your-writes, ADR 0009). The account's events apply in order on one segment.
     */
    private static final String LAST_SEQ = "last_seq = greatest(last_seq, :seq)";

    private final NamedParameterJdbcTemplate jdbc;

    AccountProjector(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(QuotaHeld event, @SequenceNumber long sequence) {
        ensureRow(event.owner(), event.heldAt());
        // a hold in a newer period starts that period's figures; one in the row's period adds to them
        jdbc.update("update account_balance set "
                + "held = case when period_start is null or period_start < :start then :amount "
                + "            when period_start = :start then held + :amount else held end, "
                + "captured = case when period_start is null or period_start < :start then 0 else captured end, "
                + "period_end = case when period_start is null or period_start < :start then :end else period_end end, "
                + "period_start = case when period_start is null or period_start < :start then :start else period_start end, "
                + "updated_at = :at, " + LAST_SEQ + " where owner = :owner",
                params(event.owner(), event.heldAt(), sequence).addValue("start", ts(event.periodStart()))
                        .addValue("end", ts(event.periodEnd())).addValue("amount", event.amount()));
    }

    @EventHandler
    void on(TaskAdmitted event, @SequenceNumber long sequence) {
        ensureRow(event.owner(), event.admittedAt());
        jdbc.update("update account_balance set active = active + 1, "
                + "waiting = greatest(0, waiting - :fromQueue), updated_at = :at, " + LAST_SEQ
                + " where owner = :owner",
                params(event.owner(), event.admittedAt(), sequence).addValue("fromQueue", event.fromQueue() ? 1 : 0));
    }

    @EventHandler
    void on(TaskQueuedForSlot event, @SequenceNumber long sequence) {
        ensureRow(event.owner(), event.queuedAt());
        jdbc.update("update account_balance set waiting = waiting + 1, updated_at = :at, " + LAST_SEQ
                + " where owner = :owner",
                params(event.owner(), event.queuedAt(), sequence));
    }

    @EventHandler
    void on(QuotaCaptured event, @SequenceNumber long sequence) {
        settle(event.owner(), event.periodStart(), event.held(), event.captured(), event.slot(), event.capturedAt(),
                sequence);
        jdbc.update("insert into spend_entry (video_id, owner, model, seconds, captured, captured_at) "
                + "values (:video, :owner, :model, :seconds, :captured, :at) on conflict do nothing",
                params(event.owner(), event.capturedAt(), sequence).addValue("video", event.videoId().value())
                        .addValue("model", event.model()).addValue("seconds", event.actualSeconds())
                        .addValue("captured", event.captured()));
    }

    @EventHandler
    void on(QuotaReleased event, @SequenceNumber long sequence) {
        settle(event.owner(), event.periodStart(), event.amount(), java.math.BigDecimal.ZERO, event.slot(),
                event.releasedAt(), sequence);
    }

    @EventHandler
    void on(UserLimitsChanged event, @SequenceNumber long sequence) {
        ensureRow(event.owner(), event.changedAt());
        jdbc.update("update account_balance set max_concurrent = :cap, quota_video_seconds = :quota, "
                + "updated_at = :at, " + LAST_SEQ + " where owner = :owner", params(event.owner(), event.changedAt(), sequence)
                .addValue("cap", event.maxConcurrent()).addValue("quota", event.quotaVideoSeconds()));
    }

    /** The token ledger books like the video-seconds one, in its own columns and period. */
    @EventHandler
    void on(TokensHeld event, @SequenceNumber long sequence) {
        ensureRow(event.owner(), event.heldAt());
        jdbc.update("update account_balance set "
                + "tokens_held = case when token_period_start is null or token_period_start < :start then :amount "
                + "            when token_period_start = :start then tokens_held + :amount else tokens_held end, "
                + "tokens_captured = case when token_period_start is null or token_period_start < :start then 0 "
                + "            else tokens_captured end, "
                + "token_period_start = case when token_period_start is null or token_period_start < :start then :start "
                + "            else token_period_start end, "
                + "updated_at = :at, " + LAST_SEQ + " where owner = :owner",
                params(event.owner(), event.heldAt(), sequence).addValue("start", ts(event.periodStart()))
                        .addValue("amount", event.tokens()));
    }

    @EventHandler
    void on(TokensCaptured event, @SequenceNumber long sequence) {
        settleTokens(event.owner(), event.periodStart(), event.held(), event.captured(), event.capturedAt(), sequence);
        jdbc.update("insert into token_spend (call_id, owner, model, prompt_tokens, completion_tokens, captured_at) "
                + "values (:call, :owner, :model, :prompt, :completion, :at) on conflict do nothing",
                params(event.owner(), event.capturedAt(), sequence).addValue("call", event.callId())
                        .addValue("model", event.model()).addValue("prompt", event.promptTokens())
                        .addValue("completion", event.completionTokens()));
    }

    @EventHandler
    void on(TokensReleased event, @SequenceNumber long sequence) {
        settleTokens(event.owner(), event.periodStart(), event.held(), 0, event.releasedAt(), sequence);
    }

    private void settleTokens(String owner, Instant periodStart, long held, long captured, Instant at, long sequence) {
        ensureRow(owner, at);
        jdbc.update("update account_balance set "
                + "tokens_held = case when token_period_start = :start then greatest(0, tokens_held - :held) else tokens_held end, "
                + "tokens_captured = case when token_period_start = :start then tokens_captured + :captured "
                + "            else tokens_captured end, "
                + "updated_at = :at, " + LAST_SEQ + " where owner = :owner",
                params(owner, at, sequence).addValue("start", ts(periodStart)).addValue("held", held)
                        .addValue("captured", captured));
    }

    @ResetHandler
    void reset() {
        jdbc.getJdbcTemplate().update("delete from account_balance");
        jdbc.getJdbcTemplate().update("delete from spend_entry");
        jdbc.getJdbcTemplate().update("delete from token_spend");
    }

    private void settle(String owner, Instant periodStart, java.math.BigDecimal held, java.math.BigDecimal captured,
                        Slot slot, Instant at, long sequence) {
        ensureRow(owner, at);
        jdbc.update("update account_balance set "
                + "held = case when period_start = :start then greatest(0, held - :held) else held end, "
                + "captured = case when period_start = :start then captured + :captured else captured end, "
                + "active = case when :slot = 'ACTIVE' then greatest(0, active - 1) else active end, "
                + "waiting = case when :slot = 'WAITING' then greatest(0, waiting - 1) else waiting end, "
                + "updated_at = :at, " + LAST_SEQ + " where owner = :owner",
                params(owner, at, sequence).addValue("start", ts(periodStart)).addValue("held", held)
                        .addValue("captured", captured).addValue("slot", slot.name()));
    }

    private void ensureRow(String owner, Instant at) {
        jdbc.update("insert into account_balance (owner, updated_at) values (:owner, :at) on conflict do nothing",
                new MapSqlParameterSource("owner", owner).addValue("at", ts(at)));
    }

    private static MapSqlParameterSource params(String owner, Instant at, long sequence) {
        return new MapSqlParameterSource("owner", owner).addValue("at", ts(at)).addValue("seq", sequence);
    }

    private static Timestamp ts(Instant instant) {
        return Timestamp.from(instant);
    }
}
