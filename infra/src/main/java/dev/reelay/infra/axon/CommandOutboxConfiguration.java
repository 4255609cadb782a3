package dev.reelay.infra.axon;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.FailureHandler;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import dev.reelay.command.port.CommandOutbox;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.GenericMessage;
import org.axonframework.messaging.MetaData;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.SimpleSerializedObject;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;

/**
 * The {@link CommandOutbox} on db-scheduler: a command is a one-time task, scheduled in the caller's transaction
 * (db-scheduler's data source joins Spring's transaction), run by the scheduler's threads once that commits, and run
 * again after a failure with the deadlines' backoff ({@link DeadlineConfiguration.RetrySoon}), at most
 * {@link #MAX_TRIES} times. The command goes as Axon's serializer writes it, payload and metadata (the audit keys), so
 * the handler sees the message its sender made. After the caller's unit of work commits, this node's scheduler is
 * asked to look for due work at once instead of at its next poll.
 */
@Configuration(proxyBeanMethods = false)
class CommandOutboxConfiguration {

    static final String TASK_NAME = "outbox-command";
    /** With the deadlines' backoff (1 s doubling to 1 min), about 15 minutes of tries. */
    static final int MAX_TRIES = 20;

    /** A command as stored: its payload and metadata as Axon's serializer writes them. */
    record StoredCommand(String commandName, String payloadType, String payloadRevision, String payload,
                         String metaData) {

        static StoredCommand of(CommandMessage<?> command, Serializer serializer) {
            SerializedObject<String> payload = serializer.serialize(command.getPayload(), String.class);
            return new StoredCommand(command.getCommandName(), payload.getType().getName(), payload.getType().getRevision(),
                    payload.getData(), serializer.serialize(command.getMetaData(), String.class).getData());
        }

        CommandMessage<?> toMessage(Serializer serializer) {
            Object body = serializer.deserialize(new SimpleSerializedObject<>(payload, String.class, payloadType,
                    payloadRevision));
            MetaData meta = serializer.deserialize(new SimpleSerializedObject<>(metaData, String.class,
                    serializer.typeForClass(MetaData.class)));
            return new GenericCommandMessage<>(new GenericMessage<>(body, meta), commandName);
        }
    }

    @Bean
    OneTimeTask<StoredCommand> outboxCommandTask(ObjectProvider<CommandGateway> commands,
                                                 @Qualifier("serializer") Serializer serializer) {
        return Tasks.oneTime(TASK_NAME, StoredCommand.class)
                .onFailure(new FailureHandler.MaxRetriesFailureHandler<>(MAX_TRIES,
                        new DeadlineConfiguration.RetrySoon<>(DeadlineConfiguration.FIRST_RETRY, DeadlineConfiguration.LAST_RETRY)))
                .execute((instance, context) -> commands.getObject().sendAndWait(instance.getData().toMessage(serializer)));
    }

    @Bean
    CommandOutbox commandOutbox(ObjectProvider<SchedulerClient> scheduler, OneTimeTask<StoredCommand> outboxCommandTask,
                                @Qualifier("serializer") Serializer serializer, Clock clock) {
        return (key, command) -> {
            scheduler.getObject().scheduleIfNotExists(
                    outboxCommandTask.instance(key, StoredCommand.of(command, serializer)), clock.instant());
            Runnable lookNow = () -> {
                if (scheduler.getObject() instanceof Scheduler running) {
                    running.triggerCheckForDueExecutions();
                }
            };
            if (CurrentUnitOfWork.isStarted()) {
                CurrentUnitOfWork.get().afterCommit(u -> lookNow.run());
            } else {
                lookNow.run();
            }
        };
    }
}
