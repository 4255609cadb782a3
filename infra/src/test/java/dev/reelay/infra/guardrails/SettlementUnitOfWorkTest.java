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

/**
 * The upstream saga settles a task's hold while an event processor's batch is open. The settlement must not keep the
 * user's account locked until that batch commits: two segments' batches ending tasks of the same two users in opposite
 * orders would wait for each other, and Axon would fail one handler and skip its event (benchmark 2 met it). So the
 * settlement commits on its own, at once, with the audit keys of the event being handled.
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
    void aSettlementSentFromAnOpenBatchCommitsAtOnceAndLeavesTheAccountFreeForOthers() throws Exception {
        String owner = "settle-" + UUID.randomUUID();
        AccountId account = AccountId.of(owner);
        VideoId videoId = VideoId.random();
        commands.sendAndWait(new ReserveForTask(account, owner, videoId, "sora-2", "720x1280", 4, Instant.now()));

        UnitOfWork<?> batch = DefaultUnitOfWork.startAndGet(GenericEventMessage.asEventMessage("an event being handled")
                .andMetaData(Map.of(AuditMetaData.PRINCIPAL, owner, AuditMetaData.CORRELATION_ID, "corr-settle-1")));
        batch.attachTransaction(transactions);
        correlationData.forEach(batch::registerCorrelationDataProvider); // as an event processor's batch does
        try {
            admissions.settle(owner, videoId, TaskStatus.FAILED, null, Instant.now());

            List<DomainEventMessage<?>> committed = CompletableFuture.supplyAsync(() -> events.readEvents(account.value())
                    .asStream().<DomainEventMessage<?>>map(e -> e).toList()).get(10, TimeUnit.SECONDS);
            DomainEventMessage<?> released = committed.stream()
                    .filter(e -> e.getPayloadType().getSimpleName().equals("QuotaReleased")).findFirst().orElse(null);
            assertThat(released).as("the release is committed while the batch is still open").isNotNull();
            assertThat(released.getMetaData()).as("with the audit keys of the event being handled")
                    .containsEntry(AuditMetaData.PRINCIPAL, owner)
                    .containsEntry(AuditMetaData.CORRELATION_ID, "corr-settle-1");

            CompletableFuture<Object> another = CompletableFuture.supplyAsync(() -> commands.sendAndWait(
                    new SetUserLimits(account, owner, 3, null, "settlement-test", Instant.now())));
            assertThat(another).as("another command on the account is not held up by the open batch")
                    .succeedsWithin(Duration.ofSeconds(10));
        } finally {
            batch.commit();
        }
    }
}
