package dev.reelay.command.account;

import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.command.HoldTokens;
import dev.reelay.kernel.command.ReserveForTask;
import dev.reelay.kernel.command.SettleTask;
import dev.reelay.kernel.command.SettleTokens;
import dev.reelay.kernel.task.TaskSpec;
import dev.reelay.kernel.task.TaskStatus;
import dev.reelay.kernel.task.VideoId;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.springframework.stereotype.Component;

import java.time.Instant;

/**
 * Sends the account commands. Called from a command handler (or a saga handler) the command runs as a nested unit of
 * work in the same transaction as its caller, which is what makes "task and hold together or neither" hold.
 */
@Component
class GatewayAdmissions implements Admissions, TokenLedger {

    private final CommandGateway commands;

    GatewayAdmissions(CommandGateway commands) {
        this.commands = commands;
    }

    @Override
    public void reserve(String owner, VideoId videoId, TaskSpec spec, Instant at) {
        commands.sendAndWait(new ReserveForTask(AccountId.of(owner), owner, videoId, spec.model(), spec.size(),
                spec.seconds(), at));
    }

    @Override
    public void settle(String owner, VideoId videoId, TaskStatus outcome, Integer actualSeconds, Instant at) {
        commands.sendAndWait(new SettleTask(AccountId.of(owner), videoId, outcome, actualSeconds, at));
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
