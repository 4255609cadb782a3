package dev.reelay.infra.consistency;

import dev.reelay.infra.support.TestDatabase;
import dev.reelay.query.ProjectionGroups;
import dev.reelay.query.consistency.ReadModelCatchUp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The wait of a write for its read models (ADR 0009) against a real database that holds the written events but none
 * of the read models' rows: so a wait can only end true on the word of this node's projections, or on rows it finds.
 */
class ReadModelCatchUpTest {

    static final Duration SHORT = Duration.ofMillis(300);

    JdbcTemplate jdbc;
    ReadModelCatchUp catchUp;

    @BeforeEach
    void freshDatabase() {
        jdbc = new JdbcTemplate(TestDatabase.newMigratedDatabase());
        catchUp = new ReadModelCatchUp(new NamedParameterJdbcTemplate(jdbc));
    }

    /** Events 0..head of one aggregate in the event store, as a write leaves them. */
    void written(String aggregateId, long head) {
        for (long seq = 0; seq <= head; seq++) {
            jdbc.update("insert into domain_event_entry (event_identifier, aggregate_identifier, sequence_number, type, "
                            + "time_stamp, payload_type, payload) values (?, ?, ?, 'T', '2026-12-04T00:00:00Z', 'P', ?)",
                    UUID.randomUUID().toString(), aggregateId, seq, new byte[] {'{', '}'});
        }
    }

    /** What a balance read that found the account row behind waits for: the account's head in the event store. */
    boolean balanceRead(String owner, Duration bound) {
        String accountId = "account-" + owner;
        return catchUp.awaitAccount(accountId, owner, catchUp.head(accountId), bound);
    }

    @Test
    void aTaskWaitEndsOnTheWordOfThisNodesTaskViewsAndLineageAlone() {
        written("task-1", 2);
        catchUp.changed(ProjectionGroups.LINEAGE, "task-1", 0);
        catchUp.changed(ProjectionGroups.TASK_VIEWS, "task-1", 2);

        assertThat(catchUp.await("task-1", Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void wordOfAnEarlierEventOfOneProjectionOrOfAnotherGroupDoesNotEndIt() {
        written("task-2", 2);
        catchUp.changed(ProjectionGroups.TASK_VIEWS, "task-2", 1);
        catchUp.changed(ProjectionGroups.LINEAGE, "task-2", 2);
        catchUp.changed("client-webhooks", "task-2", 2);
        assertThat(catchUp.await("task-2", SHORT)).as("task views one event behind").isFalse();

        written("task-3", 1);
        catchUp.changed(ProjectionGroups.TASK_VIEWS, "task-3", 1);
        assertThat(catchUp.await("task-3", SHORT)).as("no word from lineage").isFalse();

        catchUp.changed(ProjectionGroups.ACCOUNTS, "task-3", 5);
        assertThat(catchUp.await("task-3", SHORT)).as("the accounts projection's word is not the task's").isFalse();
    }

    @Test
    void wordThatComesDuringTheWaitEndsItLongBeforeItsBound() {
        written("task-4", 3);
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(
                () -> catchUp.await("task-4", Duration.ofSeconds(30)));
        catchUp.changed(ProjectionGroups.LINEAGE, "task-4", 0);
        catchUp.changed(ProjectionGroups.TASK_VIEWS, "task-4", 3);

        await().atMost(Duration.ofSeconds(10)).until(waiting::isDone);
        assertThat(waiting.join()).isTrue();
    }

    @Test
    void anAccountReadEndsOnTheAccountsProjectionsWordOrOnItsRowWhenThereIsNoWord() {
        written("account-ann", 4);
        assertThat(balanceRead("ann", SHORT)).as("neither word nor row").isFalse();
        catchUp.changed(ProjectionGroups.ACCOUNTS, "account-ann", 4);
        assertThat(balanceRead("ann", SHORT)).as("this node's word").isTrue();

        // another node's projection: no word here, the row says it
        written("account-bob", 2);
        jdbc.update("insert into account_balance (owner, updated_at, last_seq) values ('bob', now(), 2)");
        assertThat(balanceRead("bob", Duration.ofSeconds(5))).isTrue();
    }

    @Test
    void aWriteWaitsForWhatThisNodeAppendedNotForTheEventStoresHead() {
        written("task-5", 4); // the event store's head is 4: another writer went on after this node's append
        catchUp.appended("task-5", 1);
        catchUp.changed(ProjectionGroups.LINEAGE, "task-5", 0);
        catchUp.changed(ProjectionGroups.TASK_VIEWS, "task-5", 1);
        assertThat(catchUp.await("task-5", SHORT)).as("views show this node's append").isTrue();

        catchUp.appended("task-5", 3);
        catchUp.appended("task-5", 2); // a slower commit of an earlier event does not lower what is waited for
        assertThat(catchUp.await("task-5", SHORT)).as("views one event behind this node's later append").isFalse();
    }

    /** The balance read waits for the account's last event in the event store, whatever this node appended. */
    @Test
    void anAccountReadWaitsForTheEventStoresHeadNotForWhatThisNodeAppended() {
        written("account-cy", 6); // another node appended the last event
        catchUp.appended("account-cy", 5);
        catchUp.changed(ProjectionGroups.ACCOUNTS, "account-cy", 5);
        assertThat(balanceRead("cy", SHORT)).as("the row one event behind the head").isFalse();

        jdbc.update("insert into account_balance (owner, updated_at, last_seq) values ('cy', now(), 6)");
        assertThat(balanceRead("cy", SHORT)).as("the row at the head").isTrue();
        assertThat(balanceRead("nobody", SHORT)).as("an account without events").isTrue();
    }

    @Test
    void withoutAnAppendHereTheEventStoresHeadIsWaitedFor() {
        written("task-6", 4);
        catchUp.changed(ProjectionGroups.LINEAGE, "task-6", 0);
        catchUp.changed(ProjectionGroups.TASK_VIEWS, "task-6", 3);
        assertThat(catchUp.await("task-6", SHORT)).isFalse();

        catchUp.changed(ProjectionGroups.TASK_VIEWS, "task-6", 4);
        assertThat(catchUp.await("task-6", SHORT)).isTrue();
    }

    @Test
    void anAggregateWithNoEventsHasNothingToWaitFor() {
        assertThat(catchUp.await("never-written", SHORT)).isTrue();
    }
}
