package dev.reelay.infra.web;

import org.hibernate.exception.JDBCConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * Tells a failure caused by PostgreSQL being away (restarting, failing over, unreachable) from a failure of this
 * code. The first is the client's to retry: it answers 503 with {@code Retry-After}, not a 500 with a trace id to
 * report. A request's work is one transaction, so a request that fails this way stored nothing, except a write whose
 * commit went through just before the connection broke: the same {@code Idempotency-Key} makes its retry safe.
 */
public final class DatabaseOutage {

    /** How long a client should wait before retrying: about one failover, short enough not to matter for people. */
    public static final long RETRY_AFTER_SECONDS = 5;

    public static final String CODE = "DATABASE_UNAVAILABLE";

    public static final String DETAIL = "The database is unavailable for a moment; retry after the time in Retry-After "
            + "(with the same Idempotency-Key for a write)";

    /**
     * Whether {@code failure} or one of its causes says the database could not be reached or dropped the connection:
     * SQLSTATE class 08 (connection exception) and 57P01-57P03 (the server is shutting down or starting), a pool
     * timeout waiting for a connection, the pool's closed-connection stand-in, or Spring's and Hibernate's
     * translations of those.
     */
    public static boolean causedBy(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CannotGetJdbcConnectionException || t instanceof CannotCreateTransactionException
                    || t instanceof DataAccessResourceFailureException || t instanceof JDBCConnectionException
                    || t instanceof SQLTransientConnectionException || t instanceof ConnectException) {
                return true;
            }
            if (t instanceof SQLException sql && (isConnectionState(sql.getSQLState()) || isPoolsClosedConnection(sql))) {
                return true;
            }
        }
        return false;
    }

    /**
     * HikariCP hands out a stand-in once it has closed a broken connection, and the stand-in throws a bare
     * {@code SQLException("Connection is closed")} without an SQLSTATE. It shows up when a transaction's rollback
     * runs on the connection that a server shutdown (57P01) just broke, and the rollback's failure replaces the
     * first one.
     */
    private static boolean isPoolsClosedConnection(SQLException sql) {
        return sql.getSQLState() == null && "Connection is closed".equals(sql.getMessage());
    }

    private static boolean isConnectionState(String state) {
        return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03"));
    }

    private DatabaseOutage() {
    }
}
