package dev.reelay.infra.axon;

import org.axonframework.modelling.saga.repository.jdbc.PostgresSagaSqlSchema;
import org.axonframework.modelling.saga.repository.jdbc.SagaSchema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Axon's PostgreSQL saga schema, except that loading a saga locks its row until the transaction ends. A saga is
 * handled in two places that do not share a JVM: its events by the node that claims its segment, its deadlines by
 * whichever node's db-scheduler picks them. Axon's per-saga lock is per JVM, and the store writes the whole saga back
 * without a version, so without this a deadline handled on one node and an event handled on another both read the same
 * state and the later write silently undoes the earlier one: an acceptance lost to a takeover check left a task with
 * no job id to poll until its watchdog ran out. With the row lock the second reader waits for the first to commit and
 * reads what it wrote, or finds nothing when the first ended the saga.
 * <p>
 * Both paths run in a transaction (the processor's batch, the deadline's unit of work), so the lock lasts exactly as
 * long as the read-modify-write. A handler locks one saga and the processor locks the sagas of its own segment only,
 * so waits cannot form a cycle.
 */
final class LockingSagaSqlSchema extends PostgresSagaSqlSchema {

    LockingSagaSqlSchema(SagaSchema schema) {
        super(schema);
    }

    @Override
    public PreparedStatement sql_loadSaga(Connection connection, String sagaId) throws SQLException {
        PreparedStatement statement = connection.prepareStatement("select " + sagaSchema.serializedSagaColumn() + ", "
                + sagaSchema.sagaTypeColumn() + ", " + sagaSchema.revisionColumn() + " from " + sagaSchema.sagaEntryTable()
                + " where " + sagaSchema.sagaIdColumn() + " = ? for update");
        statement.setString(1, sagaId);
        return statement;
    }
}
