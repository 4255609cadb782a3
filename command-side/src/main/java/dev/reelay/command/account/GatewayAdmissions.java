package dev.reelay.command.account;

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
import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Sends the account commands. Called from a command handler the command runs as a nested unit of work in the same
 * transaction as its caller, which is what makes "task and hold together or neither" hold.
 * <p>
 * A task's settlement is the exception: the upstream saga sends it from an event processor's batch, and a nested unit
 * of work keeps the account's lock until the whole batch commits. Two segments' batches that end tasks of the same
 * two users in opposite orders then wait for each other; Axon detects that, fails one handler, and the processor
 * skips the event, so the task's hold was never settled and its saga never ended (benchmark 2 met it about ten times
 * a run). So {@link #settle(String, VideoId, TaskStatus, Integer, Instant)} runs the command in a unit of work and
 * transaction of its own, on a thread of its own, and waits for it: the account is locked only while its events are
 * appended. It commits before the saga's batch; if that batch is then rolled back and handled again, the account
 * ignores the second settlement (no hold is left to settle).
 */
@Component
class GatewayAdmissions implements Admissions, TokenLedger, DisposableBean {

    private final CommandGateway commands;
    private final ExecutorService ownUnitsOfWork;

    GatewayAdmissions(CommandGateway commands) {
        this.commands = commands;
        CustomizableThreadFactory threads = new CustomizableThreadFactory("account-settle-");
        threads.setDaemon(true);
        this.ownUnitsOfWork = Executors.newCachedThreadPool(threads); // at most one thread per saga worker at a time
    }

    @Override
    public void reserve(String owner, VideoId videoId, TaskSpec spec, Instant at) {
        commands.sendAndWait(new ReserveForTask(AccountId.of(owner), owner, videoId, spec.model(), spec.size(),
                spec.seconds(), at));
    }

    @Override
    public void settle(String owner, VideoId videoId, TaskStatus outcome, Integer actualSeconds, Instant at) {
        // made here, in the handler's unit of work: Axon puts its correlation data (the event's audit keys) on a message
        // when it is created, and the other thread has no unit of work
        CommandMessage<SettleTask> settle = GenericCommandMessage.asCommandMessage(
                new SettleTask(AccountId.of(owner), videoId, outcome, actualSeconds, at));
        try {
            CompletableFuture.runAsync(() -> commands.sendAndWait(settle), ownUnitsOfWork).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException failure ? failure : e;
        }
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

    @Override
    public void destroy() {
        ownUnitsOfWork.shutdown();
    }
}
