package dev.reelay.command.upstream;

import org.axonframework.messaging.MetaData;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;


/**
 * Sends what upstream work observed to the task aggregate, with the metadata of the request that started the work.
 * Sending blocks (the command's transaction), so it runs on a bounded pool, never on the HTTP clients' event loops.
 */
@Component
class TaskCommandSender {

    private static final Logger log = LoggerFactory.getLogger(TaskCommandSender.class);

    private final CommandGateway commands;
    private final Scheduler scheduler = Schedulers.boundedElastic();

    TaskCommandSender(CommandGateway commands) {
        this.commands = commands;
    }

    /** Where pipelines switch to before they send. */
    Scheduler scheduler() {
        return scheduler;
    }

    void send(MetaData origin, Object command) {
        try {
            commands.sendAndWait(GenericCommandMessage.asCommandMessage(command).andMetaData(origin));
        } catch (RuntimeException e) {
            // a rejection here (e.g. the task ended meanwhile) is expected and harmless: the aggregate decided
            log.debug("command {} not applied: {}", command.getClass().getSimpleName(), e.getMessage());
        }
    }
}
