package dev.reelay.infra.axon;

import dev.reelay.infra.web.TraceContextFilter;
import dev.reelay.kernel.event.AuditMetaData;
import org.axonframework.commandhandling.CommandBus;
import org.axonframework.commandhandling.CommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.messaging.MessageDispatchInterceptor;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiFunction;

/**
 * Every event carries who caused it and from which request: the {@link AuditMetaData} keys are put on each command
 * at dispatch and copied from the command onto the events it produces (and onward onto commands a saga sends while
 * handling them).
 */
@Configuration(proxyBeanMethods = false)
public class AxonConfiguration {

    /** Replaces Axon's default origin provider, which would overwrite our correlation id with a message id. */
    @Bean
    static CorrelationDataProvider auditCorrelationData() {
        return new AuditCorrelationData(AuditMetaData.KEYS);
    }

    /**
     * Axon's gateway, retrying commands that lost an append race ({@link ConflictRetryScheduler}): with several nodes
     * a user's account stream is appended to from more than one place, and such a loss is nobody's fault.
     */
    @Bean(destroyMethod = "")
    CommandGateway commandGateway(CommandBus commandBus) {
        ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "command-retry");
            thread.setDaemon(true);
            return thread;
        });
        return DefaultCommandGateway.builder().commandBus(commandBus)
                .retryScheduler(new ConflictRetryScheduler(retries)).build();
    }

    @Autowired
    void registerAuditMetadata(CommandBus commandBus) {
        commandBus.registerDispatchInterceptor(new AuditMetadataInterceptor());
    }

    /**
     * Fills in the audit keys a command does not already carry (a saga's command inherits its event's): the principal
     * from the security context, the request's ids from the log context ({@link TraceContextFilter}'s MDC keys).
     */
    static final class AuditMetadataInterceptor implements MessageDispatchInterceptor<CommandMessage<?>> {

        @Override
        public BiFunction<Integer, CommandMessage<?>, CommandMessage<?>> handle(List<? extends CommandMessage<?>> messages) {
            return (index, command) -> {
                Map<String, Object> extra = new HashMap<>();
                if (!command.getMetaData().containsKey(AuditMetaData.PRINCIPAL)) {
                    Authentication auth = SecurityContextHolder.getContext().getAuthentication();
                    extra.put(AuditMetaData.PRINCIPAL, auth != null && auth.isAuthenticated() ? auth.getName() : "system");
                }
                putIfAbsent(command, extra, AuditMetaData.CORRELATION_ID, TraceContextFilter.CORRELATION_ID);
                putIfAbsent(command, extra, AuditMetaData.TRACE_ID, TraceContextFilter.REQUEST_TRACE_ID);
                return extra.isEmpty() ? command : command.andMetaData(extra);
            };
        }

        private static void putIfAbsent(CommandMessage<?> command, Map<String, Object> extra, String key, String mdcKey) {
            String value = MDC.get(mdcKey);
            if (!command.getMetaData().containsKey(key) && value != null) {
                extra.put(key, value);
            }
        }
    }
}
