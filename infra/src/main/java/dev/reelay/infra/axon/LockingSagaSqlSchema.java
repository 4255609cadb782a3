package dev.reelay.infra.axon;

import org.axonframework.modelling.saga.repository.jdbc.PostgresSagaSqlSchema;
import org.axonframework.modelling.saga.repository.jdbc.SagaSchema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Axon's PostgreSQL saga schema, except that loading a saga locks its row until the transaction ends. A saga is
 * handled in two places that do not share a JVM: its events by the node that claims its segment, its deadlines by
 * whichever node's db-scheduler picks them. Axon's per-saga lock is per JVM, and the store writes the whole saga back
 * without a version, so without this a deadline handled on one node and an event handled on another both read the same
 * state and the later write silently undoes the earlier one: an acceptance lost to a takeover check left a task with
 * no job id to poll until its watchdog ran out. With the row lock the second reader waits for the first to commit and
 * reads what it wrote, or finds nothing when the first ended the saga.
 * <p>
 * Both paths run in a transaction (the processor's batch, the deadline's unit of work), and the row stays locked until
 * that transaction commits: for a processor, until its whole batch does. The wait is bounded ({@code lockWait}):
 * Axon loads a saga inside a {@code ConcurrentHashMap.computeIfAbsent} of its repository, which also holds up other
 * sagas' loads on that node, so two nodes could in rare cases wait for each other through those map slots, a cycle
 * neither PostgreSQL nor Axon can see. A load that waits longer fails: a processor's batch rolls back and is handled
 * again, a deadline is retried by db-scheduler.
 */
final class LockingSagaSqlSchema extends PostgresSagaSqlSchema {

    private final String loadSql;
    private final int lockWaitSeconds;

    LockingSagaSqlSchema(SagaSchema schema, Duration lockWait) {
        super(schema);
        this.loadSql = "select " + schema.serializedSagaColumn() + ", " + schema.sagaTypeColumn() + ", "
                + schema.revisionColumn() + " from " + schema.sagaEntryTable() + " where " + schema.sagaIdColumn()
                + " = ? for update";
        this.lockWaitSeconds = (int) Math.max(1, lockWait.toSeconds());
    }

    /** Every event and deadline of the saga loads it: the statement's text is made once. */
    @Override
    public PreparedStatement sql_loadSaga(Connection connection, String sagaId) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(loadSql);
        statement.setString(1, sagaId);
        statement.setQueryTimeout(lockWaitSeconds);
        return statement;
    }
}
