package dev.reelay.infra.axon;

import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.Segment;
import org.axonframework.modelling.saga.AnnotatedSagaManager;
import org.axonframework.modelling.saga.AssociationValue;
import org.axonframework.modelling.saga.SagaCreationPolicy;
import org.axonframework.modelling.saga.SagaInitializationPolicy;
import org.axonframework.modelling.saga.SagaRepository;
import org.axonframework.modelling.saga.SagaManagerSpanFactory;

import java.util.Set;

/**
 * A saga manager that tells a segment it has nothing to do with an event when this node already knows the event's saga
 * and that saga belongs to another segment (issue 16).
 * <p>
 * A pooled processor hands every event to every segment. For a saga type Axon's manager says every segment can handle
 * it, so each segment opens a transaction for the event, looks up its association, finds that the saga is another
 * segment's, and stores its token: with four segments, four transactions for one saga change. Here a segment is told it
 * cannot handle the event only when the answer is certain: the event cannot start a saga in this segment (its
 * association does not fall in it), and every saga the association leads to is known ({@link KnownSagasStore#known},
 * a lookup that already found them) and falls in another segment. {@code handle} would have done nothing in that
 * segment: it acts only on sagas of its own segment, and starts one only in the segment of the association. When the
 * answer is not known (a saga just starting, a restart, a saga type that may have several sagas per value) every
 * segment gets the event as before and decides in {@code handle}.
 * <p>
 * The answer is given when the processor's coordinator hands out the event, possibly before the segment gets to it.
 * A known saga can only end in between; a saga that ended handles nothing, so no event is lost by skipping it.
 * <p>
 * An event type declared a <em>first</em> event (see {@link #forSaga(Class, KnownSagasStore, Set)}) is one before
 * which no saga of the type can be associated with its association value: it goes only to the segment that would
 * start a saga for it. That segment still looks the association up, so it never starts a second saga.
 */
final class KnownSagaSegments<T> extends AnnotatedSagaManager<T> {

    private final Class<T> sagaType;
    private final KnownSagasStore sagas;
    private final Set<Class<?>> firstEvents;
    /** The coordinator asks once per segment, one event after the other: the event's routing is worked out once. */
    private volatile Routing last;

    KnownSagaSegments(Builder<T> builder, Class<T> sagaType, KnownSagasStore sagas, Set<Class<?>> firstEvents) {
        super(builder);
        this.sagaType = sagaType;
        this.sagas = sagas;
        this.firstEvents = Set.copyOf(firstEvents);
    }

    /**
     * Replaces the default manager of {@code sagaType} with this one, built as Axon's configuration builds its own (same
     * repository, resources, handler definition, error handler and spans). Runs after Spring's saga registration,
     * which the last registration for a type replaces. {@code store} must be the store the saga's repository uses.
     * {@code firstEvents} are start events that come first for their association value: no saga of the type can be
     * associated with that value before one of them is handled (the saga never adds associations, and the event is
     * its value's first, e.g. an aggregate's creation event associated by the aggregate's id).
     */
    static <T> ConfigurerModule forSaga(Class<T> sagaType, KnownSagasStore store, Set<Class<?>> firstEvents) {
        return new ConfigurerModule() {
            @Override
            public void configureModule(org.axonframework.config.Configurer configurer) {
                configurer.eventProcessing().registerSaga(sagaType, saga -> saga.configureSagaManager(config -> {
                    SagaRepository<T> repository = config.eventProcessingConfiguration()
                            .sagaConfiguration(sagaType).repository();
                    String group = config.eventProcessingConfiguration().sagaProcessingGroup(sagaType);
                    Builder<T> builder = AnnotatedSagaManager.<T>builder()
                            .sagaType(sagaType)
                            .sagaRepository(repository)
                            .parameterResolverFactory(config.parameterResolverFactory())
                            .handlerDefinition(config.handlerDefinition(sagaType))
                            .listenerInvocationErrorHandler(
                                    config.eventProcessingConfiguration().listenerInvocationErrorHandler(group))
                            .spanFactory(config.getComponent(SagaManagerSpanFactory.class));
                    return new KnownSagaSegments<>(builder, sagaType, store, firstEvents);
                }));
            }

            @Override
            public int order() {
                return Integer.MAX_VALUE;
            }
        };
    }

    @Override
    public boolean canHandle(EventMessage<?> event, Segment segment) {
        if (!super.canHandle(event, segment)) {
            return false;
        }
        Routing routing = routingOf(event);
        if (routing.start() != null) {
            if (segment.matches(routing.start())) {
                return true;
            }
            if (firstEvents.contains(event.getPayloadType())) {
                return false; // no saga can have this value yet: only the segment that starts one has work
            }
        }
        for (AssociationValue association : routing.associations()) {
            Set<String> sagaIds = sagas.known(sagaType, association);
            if (sagaIds == null || sagaIds.stream().anyMatch(sagaId -> matchesSegment(segment, sagaId))) {
                return true;
            }
        }
        return false;
    }

    /** What decides where an event goes: the association a start handler would start a saga with, and the event's. */
    private record Routing(EventMessage<?> event, AssociationValue start, Set<AssociationValue> associations) {
    }

    private Routing routingOf(EventMessage<?> event) {
        Routing routing = last;
        if (routing == null || routing.event() != event) {
            SagaInitializationPolicy start = getSagaCreationPolicy(event);
            routing = new Routing(event,
                    start.getCreationPolicy() == SagaCreationPolicy.NONE ? null : start.getInitialAssociationValue(),
                    extractAssociationValues(event));
            last = routing;
        }
        return routing;
    }
}
