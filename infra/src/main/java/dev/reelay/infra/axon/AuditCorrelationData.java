package dev.reelay.infra.axon;

import org.axonframework.messaging.InterceptorChain;
import org.axonframework.messaging.Message;
import org.axonframework.messaging.MessageHandlerInterceptor;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.correlation.SimpleCorrelationDataProvider;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;

import java.util.Collection;
import java.util.Map;

/**
 * Copies the audit keys ({@code AuditMetaData.KEYS}) from the message being handled onto every message created while
 * handling it, except in a unit of work marked {@linkplain #NOTHING_TO_CARRY as sending nothing}.
 * <p>
 * Axon asks for correlation data whenever a message is created inside a unit of work, including the result message
 * it makes for every event a processor handles and then drops. For a projection, which sends nothing, that was a
 * metadata deserialisation per event per worker and nothing else: 10 % of task-views' CPU in a replay (issue 16).
 */
final class AuditCorrelationData implements CorrelationDataProvider {

    /** A unit-of-work resource: its handlers create no message that should carry the audit keys. */
    static final String NOTHING_TO_CARRY = AuditCorrelationData.class.getName() + ".nothingToCarry";

    private final SimpleCorrelationDataProvider keys;

    AuditCorrelationData(Collection<String> keys) {
        this.keys = new SimpleCorrelationDataProvider(keys.toArray(String[]::new));
    }

    @Override
    public Map<String, ?> correlationDataFor(Message<?> message) {
        if (CurrentUnitOfWork.isStarted() && CurrentUnitOfWork.get().root().resources().containsKey(NOTHING_TO_CARRY)) {
            return Map.of();
        }
        return keys.correlationDataFor(message);
    }

    /** For a processor whose handlers only write rows: marks each of its units of work as sending nothing. */
    static <T extends Message<?>> MessageHandlerInterceptor<T> sendsNothing() {
        return (UnitOfWork<? extends T> unitOfWork, InterceptorChain chain) -> {
            unitOfWork.root().resources().put(NOTHING_TO_CARRY, Boolean.TRUE);
            return chain.proceed();
        };
    }
}
