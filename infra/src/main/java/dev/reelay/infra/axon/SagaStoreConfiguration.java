package dev.reelay.infra.axon;

import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.modelling.saga.repository.SagaStore;
import org.axonframework.modelling.saga.repository.jdbc.JdbcSagaStore;
import org.axonframework.modelling.saga.repository.jdbc.PostgresSagaSqlSchema;
import org.axonframework.modelling.saga.repository.jdbc.SagaSchema;
import org.axonframework.serialization.Serializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The upstream saga's store on Axon's JDBC saga store instead of its JPA one (issue 16): the saga's lookups by
 * association (one per segment per event) and its loads and updates are plain statements on the transaction's
 * connection, not JPQL queries whose results Hibernate keeps and checks at every flush. Same tables and columns (V1;
 * the database numbers associations since V38) and the same serializer, so stored sagas read back unchanged.
 */
@Configuration(proxyBeanMethods = false)
public class SagaStoreConfiguration {

    static SagaSchema schema() {
        return SagaSchema.builder()
                .sagaEntryTable("saga_entry")
                .associationValueEntryTable("association_value_entry")
                .sagaIdColumn("saga_id")
                .sagaTypeColumn("saga_type")
                .revisionColumn("revision")
                .serializedSagaColumn("serialized_saga")
                .associationKeyColumn("association_key")
                .associationValueColumn("association_value")
                .build();
    }

    @Bean
    SagaStore<Object> sagaStore(ConnectionProvider connectionProvider, Serializer serializer) {
        return JdbcSagaStore.builder()
                .connectionProvider(connectionProvider)
                .sqlSchema(new PostgresSagaSqlSchema(schema()))
                .serializer(serializer)
                .build();
    }
}
