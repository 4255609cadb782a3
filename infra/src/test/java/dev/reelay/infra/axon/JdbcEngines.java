package dev.reelay.infra.axon;

import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.serialization.json.JacksonSerializer;

import javax.sql.DataSource;

/** Axon's JDBC event storage on a test database, over the tables and columns the application uses. */
final class JdbcEngines {

    private JdbcEngines() {
    }

    /** Axon's engine on the application's tables. */
    static JdbcEventStorageEngine on(DataSource database) {
        return builder(database).schema(StorageConfiguration.EVENT_TABLES).build();
    }

    /** Everything but the schema: for a test that builds its own engine from the builder. */
    static JdbcEventStorageEngine.Builder builder(DataSource database) {
        return JdbcEventStorageEngine.builder()
                .connectionProvider(database::getConnection)
                .transactionManager(NoTransactionManager.INSTANCE)
                .snapshotSerializer(JacksonSerializer.defaultSerializer())
                .eventSerializer(JacksonSerializer.defaultSerializer());
    }
}
