package dev.reelay.infra.axon;

import dev.reelay.command.upstream.UpstreamSaga;
import dev.reelay.infra.cluster.ClusterNodes;
import dev.reelay.kernel.event.TaskSubmitted;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.jdbc.PersistenceExceptionResolver;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.JdbcTokenStore;
import org.axonframework.eventhandling.tokenstore.jdbc.TokenSchema;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.modelling.saga.repository.jdbc.JdbcSagaStore;
import org.axonframework.modelling.saga.repository.jdbc.SagaSchema;
import org.axonframework.serialization.Serializer;
import org.axonframework.spring.jdbc.SpringDataSourceConnectionProvider;
import org.axonframework.springboot.TokenStoreProperties;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The event store and the upstream saga's store on Axon's JDBC engines instead of its JPA ones (ADR 0014, issue 16):
 * an append is one batched {@code INSERT}, and events, sagas and association lookups are read as rows on the
 * transaction's own connection, not as entities that Hibernate keeps and checks at every flush. Same tables and
 * columns (V1; the database numbers events since V37 and associations since V38), same serializers, upcasters and
 * snapshot filter, so stored bytes, and the audit chain's digests of them, do not change. Processors' tokens moved
 * too (V1's {@code token_entry}, same bytes): Axon's JPA token store ran a JPQL update through Hibernate for every
 * batch of every processor, 9 % of a create's CPU samples in benchmark 1. Dead letters and the task views' reads stay
 * on JPA.
 */
@Configuration(proxyBeanMethods = false)
public class StorageConfiguration {

    /** How long a saga load waits for another transaction holding that saga (a batch is far shorter). */
    static final Duration SAGA_LOCK_WAIT = Duration.ofSeconds(10);
    /** V1's saga tables and columns. */
    static final SagaSchema SAGA_TABLES = SagaSchema.builder()
            .sagaEntryTable("saga_entry")
            .associationValueEntryTable("association_value_entry")
            .sagaIdColumn("saga_id")
            .sagaTypeColumn("saga_type")
            .revisionColumn("revision")
            .serializedSagaColumn("serialized_saga")
            .associationKeyColumn("association_key")
            .associationValueColumn("association_value")
            .build();

    /** V1's event and snapshot tables and columns. */
    static final EventSchema EVENT_TABLES = EventSchema.builder()
            .eventTable("domain_event_entry")
            .snapshotTable("snapshot_event_entry")
            .globalIndexColumn("global_index")
            .timestampColumn("time_stamp")
            .eventIdentifierColumn("event_identifier")
            .aggregateIdentifierColumn("aggregate_identifier")
            .sequenceNumberColumn("sequence_number")
            .typeColumn("type")
            .payloadTypeColumn("payload_type")
            .payloadRevisionColumn("payload_revision")
            .payloadColumn("payload")
            .metaDataColumn("meta_data")
            .build();

    /** V1's token table and columns (as JPA's {@code TokenEntry} mapped them). */
    static final TokenSchema TOKEN_TABLE = TokenSchema.builder()
            .setTokenTable("token_entry")
            .setProcessorNameColumn("processor_name")
            .setSegmentColumn("segment")
            .setTokenColumn("token")
            .setTokenTypeColumn("token_type")
            .setTimestampColumn("timestamp")
            .setOwnerColumn("owner")
            .build();

    /**
     * The engines' connections: the Spring transaction's own while one runs (every unit of work of Reelay's has one:
     * commands, processors' batches, deadlines, snapshots), otherwise one borrowed for the statement and given back.
     * Each borrowed connection is closed exactly once.
     * <p>
     * Axon's default wraps this in {@code UnitOfWorkAwareConnectionProviderWrapper}, which keeps the transaction's
     * connection on the unit of work and closes it again at the unit of work's clean-up, after the transaction manager
     * has already given it back to the pool. HikariCP's second {@code close()} of a returned connection clears the
     * statement list that the physical connection's next borrower, on another thread, is using: that borrower's
     * statements are no longer closed with it, and a clear that races its own bookkeeping leaves the list at size -1,
     * after which every statement on that connection fails with {@code ArrayIndexOutOfBoundsException: Index -1 out of
     * bounds for length 16}. Benchmarks 1 and 5 met it under load: an acceptance command lost, a task failed whose
     * provider job existed. With a Spring transaction on every unit of work the wrapper adds nothing.
     */
    @Bean
    ConnectionProvider connectionProvider(DataSource dataSource) {
        return new SpringDataSourceConnectionProvider(dataSource);
    }

    @Bean
    EventStorageEngine eventStorageEngine(Serializer defaultSerializer,
                                          PersistenceExceptionResolver persistenceExceptionResolver,
                                          @Qualifier("eventSerializer") Serializer eventSerializer,
                                          org.axonframework.config.Configuration configuration,
                                          ConnectionProvider connectionProvider,
                                          TransactionManager transactionManager) {
        JdbcEventStorageEngine.Builder builder = JdbcEventStorageEngine.builder()
                .snapshotSerializer(defaultSerializer)
                .upcasterChain(configuration.upcasterChain())
                .persistenceExceptionResolver(persistenceExceptionResolver)
                .eventSerializer(eventSerializer)
                .snapshotFilter(configuration.snapshotFilter())
                .connectionProvider(connectionProvider)
                .transactionManager(transactionManager);
        return ParsedTimestampStorageEngine.build(builder, EVENT_TABLES);
    }

    /** Instants in payloads of the shape Reelay writes read without a formatter (Spring's mapper, so Axon's too). */
    @Bean
    com.fasterxml.jackson.databind.Module isoInstants() {
        return IsoInstantDeserializer.module();
    }

    /**
     * Tokens on the transaction's own connection, one plain {@code UPDATE} per store; the claim timeout of
     * {@code axon.eventhandling.tokenstore.claim-timeout} and the node id Axon's JPA store had (the JVM's name, as
     * {@code ClusterNodes} reads claims).
     */
    @Bean
    TokenStore tokenStore(ConnectionProvider connectionProvider, Serializer serializer, TokenStoreProperties properties) {
        return JdbcTokenStore.builder()
                .connectionProvider(connectionProvider)
                .serializer(serializer)
                .schema(TOKEN_TABLE)
                .claimTimeout(properties.getClaimTimeout())
                .nodeId(ClusterNodes.THIS_NODE)
                .build();
    }

    /** Association lookups of the upstream saga (one per task) answered from this node's memory once found. */
    @Bean
    KnownSagasStore sagaStore(ConnectionProvider connectionProvider, Serializer serializer) {
        return new KnownSagasStore(JdbcSagaStore.builder()
                .connectionProvider(connectionProvider)
                .sqlSchema(new LockingSagaSqlSchema(SAGA_TABLES, SAGA_LOCK_WAIT))
                .serializer(serializer)
                .build(), Set.of(UpstreamSaga.class));
    }

    /**
     * A segment of the upstream saga's processor skips an event of a saga known to be another segment's, and a task's
     * {@code TaskSubmitted} unless it starts the saga there: it is the task's first event, and the saga's only
     * association is its task (ShapeRulesTest keeps it so).
     */
    @Bean
    ConfigurerModule upstreamSagaSegments(KnownSagasStore sagaStore) {
        return KnownSagaSegments.forSaga(UpstreamSaga.class, sagaStore, Set.of(TaskSubmitted.class));
    }
}
