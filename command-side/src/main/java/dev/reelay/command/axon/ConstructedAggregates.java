package dev.reelay.command.axon;

import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.AggregateFactory;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;

/**
 * Makes an empty aggregate with its no-argument constructor, or takes the aggregate a snapshot holds. Axon's Spring
 * integration otherwise registers each aggregate as a prototype bean and asks the bean factory for a new bean on
 * every load: benchmark 1 found that bean creation in 29 % of the samples loading a task (issue 16). Axon's own
 * {@code GenericAggregateFactory} would do, but it inspects the aggregate's handlers itself, without Spring's
 * parameter resolvers, and refuses handlers that take a Spring bean (as {@code UserAccount}'s do) when the
 * application runs from its jar. The repository keeps inspecting the handlers with Spring's resolvers; this factory
 * only makes instances. Axon finds it by its bean name, {@code <aggregate>AggregateFactory}.
 */
public final class ConstructedAggregates<T> implements AggregateFactory<T> {

    private final Class<T> type;
    private final Constructor<T> constructor;

    public ConstructedAggregates(Class<T> type) {
        this.type = type;
        try {
            this.constructor = type.getDeclaredConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(type.getName() + " has no constructor without arguments", e);
        }
        this.constructor.setAccessible(true);
    }

    @Override
    @SuppressWarnings("unchecked")
    public T createAggregateRoot(String aggregateIdentifier, DomainEventMessage<?> firstEvent) {
        if (firstEvent != null && type.isAssignableFrom(firstEvent.getPayloadType())) {
            return (T) firstEvent.getPayload(); // a snapshot: the aggregate itself
        }
        try {
            return constructor.newInstance();
        } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot make an empty " + type.getSimpleName(), e);
        }
    }

    @Override
    public Class<T> getAggregateType() {
        return type;
    }
}
