package dev.reelay.infra.guardrails;

import dev.reelay.command.account.Admissions;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.command.ReserveForTask;
import dev.reelay.kernel.command.SetUserLimits;
import dev.reelay.kernel.event.AuditMetaData;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The upstream saga settles a task's hold while an event processor's batch is open. The batch may neither keep the
 * user's account locked until it commits (two segments' batches ending tasks of the same two users in opposite orders
 * would wait for each other) nor wait, holding its connection and its sagas' locks, for a unit of work that needs a
 * connection of its own (with the rest of the pool held by deadlines waiting for those sagas, the node stood still for
 * the pool's 30 s time-out; benchmark 2 met both). So the settlement is recorded in the batch's transaction and sent
 * once the batch commits, with the audit keys of the event being handled; a batch rolled back settles nothing.
 */
@ReelayIntegrationTest
class SettlementUnitOfWorkTest {

    @Autowired
    CommandGateway commands;
    @Autowired
    Admissions admissions;
    @Autowired
    TransactionManager transactions;
    @Autowired
    EventStore events;
    @Autowired
    List<CorrelationDataProvider> correlationData;

    @Test
    void aSettlementFromAnOpenBatchIsSentWhenTheBatchCommitsWithItsAuditKeys() throws Exception {
        String owner = "settle-" + UUID.randomUUID();
        AccountId account = AccountId.of(owner);
        UnitOfWork<?> batch = batchSettlingAHold(owner, "corr-settle-1");
        try {
            CompletableFuture<Object> another = CompletableFuture.supplyAsync(() -> commands.sendAndWait(
                    new SetUserLimits(account, owner, 3, null, "settlement-test", Instant.now())));
            assertThat(another).as("another command on the account is not held up by the open batch")
                    .succeedsWithin(Duration.ofSeconds(10));
            assertThat(released(account)).as("nothing is settled while the batch is open").isNull();
        } finally {
            batch.commit();
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> released(account) != null);
        assertThat(released(account).getMetaData()).as("with the audit keys of the event being handled")
                .containsEntry(AuditMetaData.PRINCIPAL, owner)
                .containsEntry(AuditMetaData.CORRELATION_ID, "corr-settle-1");
    }

    @Test
    void aBatchRolledBackSettlesNothing() throws Exception {
        String owner = "settle-rolled-back-" + UUID.randomUUID();
        AccountId account = AccountId.of(owner);
        batchSettlingAHold(owner, "corr-settle-2").rollback();

        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> released(account) == null);
    }

    /**
     * A task's hold reserved, then a unit of work with a transaction and the audit keys of an event, as an event
     * processor's batch has, in which the task is settled (failed); the unit of work is left open.
     */
    private UnitOfWork<?> batchSettlingAHold(String owner, String correlationId) {
        VideoId videoId = VideoId.random();
        commands.sendAndWait(new ReserveForTask(AccountId.of(owner), owner, videoId, "sora-2", "720x1280", 4,
                Instant.now()));
        UnitOfWork<?> batch = DefaultUnitOfWork.startAndGet(GenericEventMessage.asEventMessage("an event being handled")
                .andMetaData(Map.of(AuditMetaData.PRINCIPAL, owner, AuditMetaData.CORRELATION_ID, correlationId)));
        batch.attachTransaction(transactions);
        correlationData.forEach(batch::registerCorrelationDataProvider);
        admissions.settle(owner, videoId, TaskStatus.FAILED, null, Instant.now());
        return batch;
    }

    /** The account's committed {@code QuotaReleased}, read on another thread (outside the open unit of work). */
    private DomainEventMessage<?> released(AccountId account) throws Exception {
        return CompletableFuture.supplyAsync(() -> events.readEvents(account.value()).asStream()
                .<DomainEventMessage<?>>map(e -> e)
                .filter(e -> e.getPayloadType().getSimpleName().equals("QuotaReleased"))
                .findFirst().orElse(null)).get(10, TimeUnit.SECONDS);
    }
}
