package dev.reelay.infra.web;

import org.hibernate.TransactionException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.orm.jpa.JpaSystemException;
import org.springframework.transaction.CannotCreateTransactionException;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import static org.assertj.core.api.Assertions.assertThat;

/** The failures PostgreSQL's absence takes the form of, as they reached ProblemHandler in benchmark 9 and the relay test. */
class DatabaseOutageClassificationTest {

    @Test
    void aServerShutdownTheDriverReportsIsAnOutage() {
        // 57P01 admin_shutdown, what every open connection gets from a fast shutdown
        SQLException terminated = new SQLException("FATAL: terminating connection due to administrator command", "57P01");
        assertThat(DatabaseOutage.causedBy(new RuntimeException("wrapped", terminated))).isTrue();
    }

    @Test
    void aLostConnectionAndAPoolTimeoutAreOutages() {
        assertThat(DatabaseOutage.causedBy(new PSQLException("I/O error", PSQLState.CONNECTION_FAILURE))).isTrue();
        assertThat(DatabaseOutage.causedBy(new CannotCreateTransactionException("no EntityManager",
                new SQLTransientConnectionException("pool - Connection is not available, request timed out")))).isTrue();
    }

    @Test
    void aRollbackOnThePoolsClosedConnectionIsAnOutage() {
        // the shape benchmark 9 met on GET /api/video/tasks while PostgreSQL stopped
        JpaSystemException rollback = new JpaSystemException(new TransactionException(
                "Unable to rollback against JDBC Connection", new SQLException("Connection is closed")));
        assertThat(DatabaseOutage.causedBy(rollback)).isTrue();
    }

    @Test
    void aConstraintViolationOrAnotherSqlErrorIsNotAnOutage() {
        assertThat(DatabaseOutage.causedBy(new DataIntegrityViolationException("dup",
                new PSQLException("duplicate key", PSQLState.UNIQUE_VIOLATION)))).isFalse();
        assertThat(DatabaseOutage.causedBy(new SQLException("Connection is closed", "42000"))).isFalse();
        assertThat(DatabaseOutage.causedBy(new IllegalStateException("a bug"))).isFalse();
    }
}
