package dev.reelay.infra.guardrails;

import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.account.AccountId;
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
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import dev.reelay.query.ProjectionGroups;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The accounts projection's booking rules, fed account events straight into the event store: several events of one
 * user in one batch, periods that move forward and a late settlement of an older period, and a rebuild that
 * reproduces the same rows. (The properties are LineageTest's and StatsTest's, so the three share one context.)
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.sandbox.enabled=false", "reelay.providers[0].id=none",
        "reelay.providers[0].format=openai-videos", "reelay.providers[0].base-url=http://127.0.0.1:9",
        "reelay.providers[0].models=nothing", "reelay.retention.completed=36500d", "reelay.retention.failed=36500d",
        "reelay.retention.cancelled=36500d"})
class AccountProjectionTest {

    private static final String BALANCE = "select owner, period_start, period_end, held, captured, active, waiting, "
            + "max_concurrent, quota_video_seconds, token_period_start, tokens_held, tokens_captured, updated_at, "
            + "last_seq from account_balance where owner like ? order by owner";
    private static final String SPEND = "select video_id, owner, model, seconds, captured, captured_at from spend_entry "
            + "where owner like ? order by video_id";
    private static final String TOKENS = "select call_id, owner, model, prompt_tokens, completion_tokens, captured_at "
            + "from token_spend where owner like ? order by call_id";

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    EventStore eventStore;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    TransactionTemplate transactions;

    private final String prefix = "acct-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    private final Instant p1 = t0.truncatedTo(ChronoUnit.DAYS);
    private final Instant p2 = p1.plus(1, ChronoUnit.DAYS);
    private final Instant p3 = p2.plus(1, ChronoUnit.DAYS);

    @Test
    void bookingRulesHoldWithinOneBatchAndAcrossBatchesAndARebuildReproducesTheRows() {
        String ann = prefix + "ann";
        String bob = prefix + "bob";
        VideoId v1 = VideoId.random();
        VideoId v2 = VideoId.random();
        VideoId v3 = VideoId.random();
        VideoId v4 = VideoId.random();
        VideoId v5 = VideoId.random();
        VideoId bobs = VideoId.random();

        Account annAccount = new Account(ann);
        Account bobAccount = new Account(bob);
        // one transaction, so the projection meets all of these in one batch, interleaved between two users
        publish(annAccount.next(new QuotaHeld(ann, v1, "sora-2", "720x1280", 8, BigDecimal.ONE, new BigDecimal("8"),
                        p1, p2, at(1))),
                annAccount.next(new TaskAdmitted(ann, v1, false, at(2))),
                bobAccount.next(new UserLimitsChanged(bob, 3, new BigDecimal("100.5"), "admin", at(3))),
                annAccount.next(new QuotaHeld(ann, v2, "sora-2", "720x1280", 4, BigDecimal.ONE, new BigDecimal("4"),
                        p1, p2, at(4))),
                annAccount.next(new TaskQueuedForSlot(ann, v2, 1, 1, at(5))),
                bobAccount.next(new QuotaHeld(bob, bobs, "sora-2-pro", "720x1280", 5, new BigDecimal("2.5"),
                        new BigDecimal("12.5"), p1, p2, at(6))),
                annAccount.next(new QuotaCaptured(ann, v1, "sora-2", new BigDecimal("8"), new BigDecimal("6.250"), 6,
                        p1, Slot.ACTIVE, at(7))),
                annAccount.next(new TaskAdmitted(ann, v2, true, at(8))),
                bobAccount.next(new TaskAdmitted(bob, bobs, false, at(9))));

        // ann after the first batch: v1 captured (6.25), v2 held (4) and admitted from the queue
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(balance(ann))
                .containsEntry("held", new BigDecimal("4.000")).containsEntry("captured", new BigDecimal("6.250"))
                .containsEntry("active", 1).containsEntry("waiting", 0)
                .containsEntry("period_start", ts(p1)).containsEntry("period_end", ts(p2))
                .containsEntry("last_seq", 5L).containsEntry("updated_at", ts(at(8))));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(balance(bob))
                .containsEntry("held", new BigDecimal("12.500")).containsEntry("captured", new BigDecimal("0.000"))
                .containsEntry("active", 1).containsEntry("max_concurrent", 3)
                .containsEntry("quota_video_seconds", new BigDecimal("100.500")).containsEntry("last_seq", 2L));

        // a new period starts ann's figures afresh; a late settlement of the old period leaves them alone, but still
        // frees its slot; a hold booked to an older period than the row's changes no amount (v5 stays held, so a
        // rule that booked either would leave another amount than 7)
        publish(annAccount.next(new QuotaHeld(ann, v3, "sora-2", "720x1280", 5, BigDecimal.ONE, new BigDecimal("5"),
                        p2, p3, at(10))),
                annAccount.next(new QuotaHeld(ann, v5, "sora-2", "720x1280", 7, BigDecimal.ONE, new BigDecimal("7"),
                        p2, p3, at(10))));
        publish(annAccount.next(new TaskAdmitted(ann, v3, false, at(11))),
                annAccount.next(new QuotaReleased(ann, v2, "sora-2", new BigDecimal("4"), TaskStatus.FAILED, p1,
                        Slot.ACTIVE, at(12))),
                annAccount.next(new QuotaHeld(ann, v4, "sora-2", "720x1280", 2, BigDecimal.ONE, new BigDecimal("2"),
                        p1, p2, at(13))),
                annAccount.next(new TaskQueuedForSlot(ann, v4, 1, 1, at(14))),
                annAccount.next(new QuotaReleased(ann, v4, "sora-2", new BigDecimal("2"), TaskStatus.CANCELLED, p1,
                        Slot.WAITING, at(15))),
                annAccount.next(new QuotaCaptured(ann, v3, "sora-2", new BigDecimal("5"), new BigDecimal("3"), 3,
                        p2, Slot.ACTIVE, at(16))),
                // tokens: a call captured in p2, then one held in p3 starts the token period afresh, and a late
                // release of a p2 call leaves it alone
                annAccount.next(new TokensHeld(ann, "call-1", "gpt", 50, p2, p3, at(17))),
                annAccount.next(new TokensHeld(ann, "call-2", "gpt", 40, p2, p3, at(18))),
                annAccount.next(new TokensCaptured(ann, "call-1", "gpt", 50, 20, 10, "d1", p2, at(19))),
                annAccount.next(new TokensHeld(ann, "call-3", "gpt", 30, p3, p3.plus(1, ChronoUnit.DAYS), at(20))),
                annAccount.next(new TokensReleased(ann, "call-2", "gpt", 40, "d2", p2, at(21))));

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(balance(ann))
                .containsEntry("period_start", ts(p2)).containsEntry("period_end", ts(p3))
                .containsEntry("held", new BigDecimal("7.000")).containsEntry("captured", new BigDecimal("3.000"))
                .containsEntry("active", 0).containsEntry("waiting", 0)
                .containsEntry("token_period_start", ts(p3)).containsEntry("tokens_held", 30L)
                .containsEntry("tokens_captured", 0L)
                .containsEntry("max_concurrent", null).containsEntry("quota_video_seconds", null)
                .containsEntry("last_seq", 18L).containsEntry("updated_at", ts(at(21))));
        assertThat(jdbc.queryForList(SPEND, prefix + "%")).extracting(row -> row.get("video_id") + ":"
                + row.get("owner") + ":" + row.get("seconds") + ":" + row.get("captured"))
                .containsExactlyInAnyOrder(v1.value() + ":" + ann + ":6:6.250", v3.value() + ":" + ann + ":3:3.000");
        assertThat(jdbc.queryForList(TOKENS, prefix + "%")).singleElement().satisfies(row -> assertThat(row)
                .containsEntry("call_id", "call-1").containsEntry("prompt_tokens", 20L)
                .containsEntry("completion_tokens", 10L).containsEntry("captured_at", ts(at(19))));

        List<Map<String, Object>> balances = jdbc.queryForList(BALANCE, prefix + "%");
        List<Map<String, Object>> spend = jdbc.queryForList(SPEND, prefix + "%");
        List<Map<String, Object>> tokens = jdbc.queryForList(TOKENS, prefix + "%");
        assertThat(balances).hasSize(2);

        StreamingEventProcessor accounts = processing.eventProcessor(ProjectionGroups.ACCOUNTS,
                StreamingEventProcessor.class).orElseThrow();
        accounts.shutDown();
        try {
            accounts.resetTokens();
            assertThat(jdbc.queryForList(BALANCE, prefix + "%")).as("the reset handler empties the tables").isEmpty();
        } finally {
            accounts.start(); // whatever happened, later tests need the projection running
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(jdbc.queryForList(BALANCE, prefix + "%")).isEqualTo(balances);
            assertThat(jdbc.queryForList(SPEND, prefix + "%")).isEqualTo(spend);
            assertThat(jdbc.queryForList(TOKENS, prefix + "%")).isEqualTo(tokens);
        });
    }

    private Instant at(int step) {
        return t0.plusMillis(step);
    }

    private static Timestamp ts(Instant instant) {
        return Timestamp.from(instant);
    }

    private Map<String, Object> balance(String owner) {
        List<Map<String, Object>> rows = jdbc.queryForList(BALANCE, owner);
        assertThat(rows).as("the row of " + owner).hasSize(1);
        return rows.get(0);
    }

    private void publish(EventMessage<?>... events) {
        transactions.executeWithoutResult(status -> eventStore.publish(List.of(events)));
    }

    /** Numbers one user's account events as the aggregate would. */
    private static final class Account {
        private final String id;
        private long sequence;

        Account(String owner) {
            this.id = AccountId.of(owner).value();
        }

        EventMessage<?> next(Object event) {
            return new GenericDomainEventMessage<>("UserAccount", id, sequence++, event);
        }
    }
}
