package dev.reelay.infra.axon;

import dev.reelay.kernel.event.AuditMetaData;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.messaging.MetaData;
import org.axonframework.messaging.ResultMessage;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The audit keys travel onto what a handler creates, except where the unit of work says it sends nothing. */
class AuditCorrelationDataTest {

    static final MetaData AUDIT = MetaData.from(Map.of(AuditMetaData.PRINCIPAL, "alice",
            AuditMetaData.CORRELATION_ID, "c-1", "other", "not copied"));

    @Test
    void aMessageCreatedWhileHandlingCarriesTheAuditKeys() {
        assertThat(createdWhileHandling(new GenericEventMessage<>("event", AUDIT), false))
                .containsOnly(Map.entry(AuditMetaData.PRINCIPAL, "alice"), Map.entry(AuditMetaData.CORRELATION_ID, "c-1"));
    }

    @Test
    void aUnitOfWorkThatSendsNothingNeverReadsTheMetadata() {
        EventMessage<String> unreadable = new GenericEventMessage<>("event", AUDIT) {
            @Override
            public MetaData getMetaData() {
                throw new AssertionError("the metadata was read");
            }
        };
        assertThat(createdWhileHandling(unreadable, true)).isEmpty();
    }

    /** The metadata of a message created inside a unit of work handling {@code handled}, as Axon's processors do. */
    private static MetaData createdWhileHandling(EventMessage<?> handled, boolean sendsNothing) {
        UnitOfWork<EventMessage<?>> unitOfWork = DefaultUnitOfWork.startAndGet(handled);
        unitOfWork.registerCorrelationDataProvider(new AuditCorrelationData(AuditMetaData.KEYS));
        ResultMessage<MetaData> result = unitOfWork.executeWithResult(() -> {
            if (sendsNothing) {
                AuditCorrelationData.<EventMessage<?>>sendsNothing().handle(unitOfWork, () -> null);
            }
            return GenericEventMessage.asEventMessage("created").getMetaData();
        });
        assertThat(result.isExceptional()).as("handled without an error").isFalse();
        return result.getPayload();
    }
}
