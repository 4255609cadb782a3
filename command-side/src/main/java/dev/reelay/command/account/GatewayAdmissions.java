package dev.reelay.command.account;

import dev.reelay.command.port.CommandOutbox;
import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.command.HoldTokens;
import dev.reelay.kernel.command.ReserveForTask;
import dev.reelay.kernel.command.SettleTask;
import dev.reelay.kernel.command.SettleTokens;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.stereotype.Component;

import java.time.Instant;

/**
 * Sends the account commands. Called from a command handler the command runs as a nested unit of work in the same
 * transaction as its caller, which is what makes "task and hold together or neither" hold.
 * <p>
 * A task's settlement is the exception: the upstream saga sends it from an event processor's batch. A nested unit of
 * work would keep the account's lock until the whole batch commits, and two segments' batches ending tasks of the same
 * two users in opposite orders would wait for each other (benchmark 2 met it about ten times a run). Running it in a
 * unit of work of its own on another thread and waiting for it made the batch hold its connection and its sagas' locks
 * while that thread waited for a connection; deadlines of those sagas, holding the rest of the pool, waited for the
 * locks, and the node stood still for the pool's 30 s time-out (benchmark 2 again). So the settlement goes through the
 * {@link CommandOutbox}: recorded in the batch's transaction, sent once it commits, with the audit keys of the event
 * being handled, and sent again until the account has taken it. The account ignores a settlement of a task whose hold
 * is already settled.
 */
@Component
class GatewayAdmissions implements Admissions, TokenLedger {

    private final CommandGateway commands;
    private final CommandOutbox outbox;

    GatewayAdmissions(CommandGateway commands, CommandOutbox outbox) {
        this.commands = commands;
        this.outbox = outbox;
    }

    @Override
    public void reserve(String owner, VideoId videoId, TaskSpec spec, Instant at) {
        commands.sendAndWait(new ReserveForTask(AccountId.of(owner), owner, videoId, spec.model(), spec.size(),
                spec.seconds(), at));
    }

    @Override
    public void settle(String owner, VideoId videoId, TaskStatus outcome, Integer actualSeconds, Instant at) {
        // made here, in the handler's unit of work: Axon puts its correlation data (the event's audit keys) on a message
        // when it is created
        CommandMessage<SettleTask> settle = GenericCommandMessage.asCommandMessage(
                new SettleTask(AccountId.of(owner), videoId, outcome, actualSeconds, at));
        outbox.sendAfterCommit("settle-" + videoId.value(), settle);
    }

    @Override
    public void hold(String owner, String callId, String model, long tokens, Instant at) {
        commands.sendAndWait(new HoldTokens(AccountId.of(owner), owner, callId, model, tokens, at));
    }

    @Override
    public void settle(String owner, String callId, java.util.Optional<TokenUsage> usage, String callDigest,
                             Instant at) {
        commands.sendAndWait(new SettleTokens(AccountId.of(owner), callId, usage.isPresent(),
                usage.map(TokenUsage::promptTokens).orElse(0L), usage.map(TokenUsage::completionTokens).orElse(0L),
                callDigest, at));
    }
}
