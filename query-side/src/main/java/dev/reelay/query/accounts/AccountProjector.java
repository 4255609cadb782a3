package dev.reelay.query.accounts;

import dev.reelay.kernel.event.QuotaCaptured;
import dev.reelay.kernel.event.QuotaHeld;
import dev.reelay.kernel.event.QuotaReleased;
import dev.reelay.kernel.event.TaskAdmitted;
import dev.reelay.kernel.event.TaskQueuedForSlot;
import dev.reelay.kernel.event.TokensCaptured;
import dev.reelay.kernel.event.TokensHeld;
import dev.reelay.kernel.event.TokensReleased;
import dev.reelay.kernel.event.UserLimitsChanged;
import dev.reelay.query.BatchBuffers;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;

/**
 * The quota balance and slot counts per user ({@code account_balance}) and one spend row per captured task
 * ({@code spend_entry}), from the account events. Mirrors the aggregate's booking rule: a hold counts in the period it
 * was placed in and its capture or release is booked there; a movement of an older period than the row's latest
 * leaves the row's amounts alone (the rules are {@link AccountBatch.Row}'s). One segment, so a user's movements apply
 * in order; the token commits in the same transaction as the rows, and a rebuild starts from empty tables. Every
 * change records the sequence number of the account event it applied ({@code last_seq}), so a write can tell when the
 * row shows it (read-your-writes, ADR 0009).
 */
@Component
@ProcessingGroup(AccountProjector.GROUP)
class AccountProjector {

    public static final String GROUP = dev.reelay.query.ProjectionGroups.ACCOUNTS;

    private final NamedParameterJdbcTemplate jdbc;

    AccountProjector(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @EventHandler
    void on(QuotaHeld event, @SequenceNumber long sequence) {
        rows().of(event.owner(), event.heldAt())
                .hold(event.periodStart(), event.periodEnd(), event.amount())
                .touched(event.heldAt(), sequence);
    }

    @EventHandler
    void on(TaskAdmitted event, @SequenceNumber long sequence) {
        rows().of(event.owner(), event.admittedAt()).admitted(event.fromQueue()).touched(event.admittedAt(), sequence);
    }

    @EventHandler
    void on(TaskQueuedForSlot event, @SequenceNumber long sequence) {
        rows().of(event.owner(), event.queuedAt()).queued().touched(event.queuedAt(), sequence);
    }

    @EventHandler
    void on(QuotaCaptured event, @SequenceNumber long sequence) {
        AccountBatch batch = rows();
        batch.of(event.owner(), event.capturedAt())
                .settle(event.periodStart(), event.held(), event.captured(), event.slot())
                .touched(event.capturedAt(), sequence);
        batch.spent(event);
    }

    @EventHandler
    void on(QuotaReleased event, @SequenceNumber long sequence) {
        rows().of(event.owner(), event.releasedAt())
                .settle(event.periodStart(), event.amount(), BigDecimal.ZERO, event.slot())
                .touched(event.releasedAt(), sequence);
    }

    @EventHandler
    void on(UserLimitsChanged event, @SequenceNumber long sequence) {
        rows().of(event.owner(), event.changedAt())
                .limits(event.maxConcurrent(), event.quotaVideoSeconds())
                .touched(event.changedAt(), sequence);
    }

    /** The token ledger books like the video-seconds one, in its own columns and period. */
    @EventHandler
    void on(TokensHeld event, @SequenceNumber long sequence) {
        rows().of(event.owner(), event.heldAt()).holdTokens(event.periodStart(), event.tokens())
                .touched(event.heldAt(), sequence);
    }

    @EventHandler
    void on(TokensCaptured event, @SequenceNumber long sequence) {
        AccountBatch batch = rows();
        batch.of(event.owner(), event.capturedAt())
                .settleTokens(event.periodStart(), event.held(), event.captured())
                .touched(event.capturedAt(), sequence);
        batch.spent(event);
    }

    @EventHandler
    void on(TokensReleased event, @SequenceNumber long sequence) {
        rows().of(event.owner(), event.releasedAt()).settleTokens(event.periodStart(), event.held(), 0)
                .touched(event.releasedAt(), sequence);
    }

    /**
     * The rows of the processor's current batch: each read once per batch, changed in memory event by event, and
     * written back in one JDBC batch before the batch commits.
     */
    private AccountBatch rows() {
        return BatchBuffers.current(AccountBatch.class.getName(), () -> new AccountBatch(jdbc), AccountBatch::write);
    }

    @ResetHandler
    void reset() {
        jdbc.getJdbcTemplate().update("delete from account_balance");
        jdbc.getJdbcTemplate().update("delete from spend_entry");
        jdbc.getJdbcTemplate().update("delete from token_spend");
    }
}
