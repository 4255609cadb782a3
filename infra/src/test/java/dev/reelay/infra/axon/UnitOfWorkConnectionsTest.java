package dev.reelay.infra.axon;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.reelay.infra.support.TestDatabase;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.jdbc.JdbcUtils;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.axonframework.spring.messaging.unitofwork.SpringTransactionManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connections Axon's JDBC engines get from {@link StorageConfiguration#connectionProvider}, in units of work with a
 * Spring transaction attached, as Reelay's commands, processors and deadlines run them, on a real PostgreSQL through a
 * HikariCP pool of one connection (so the next borrower always gets the same physical connection). The transaction
 * manager here is Spring's JDBC one; the app's JPA one binds and releases the connection the same way.
 */
class UnitOfWorkConnectionsTest {

    HikariDataSource pool;
    /** How often each connection the pool handed out was closed, in the order they were borrowed. */
    final List<AtomicInteger> closes = new ArrayList<>();
    DataSource dataSource;
    ConnectionProvider connections;
    SpringTransactionManager transactions;
    JdbcTemplate jdbc;

    @BeforeEach
    void pool() {
        String[] db = TestDatabase.newDatabase();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db[0]);
        config.setUsername(db[1]);
        config.setPassword(db[2]);
        config.setMaximumPoolSize(1);
        pool = new HikariDataSource(config);
        dataSource = countingCloses(pool);
        connections = new StorageConfiguration().connectionProvider(dataSource);
        transactions = new SpringTransactionManager(new DataSourceTransactionManager(dataSource));
        jdbc = new JdbcTemplate(dataSource);
        jdbc.execute("create table written (n int)");
        closes.clear();
    }

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    void aUnitOfWorksConnectionIsClosedOnceWhetherItCommitsOrRollsBack() {
        inUnitOfWork(uow -> write(1));
        assertThat(closes).as("closes per borrowed connection, after a commit").extracting(AtomicInteger::get)
                .containsExactly(1);

        closes.clear();
        inUnitOfWorkRolledBack(uow -> write(2));
        assertThat(closes).as("after a rollback").extracting(AtomicInteger::get).containsExactly(1);
        assertThat(jdbc.queryForList("select n from written", Integer.class)).containsExactly(1);
    }

    @Test
    void theEnginesStatementsRunInTheUnitOfWorksTransaction() {
        inUnitOfWorkRolledBack(uow -> {
            write(1);
            write(2);
            assertThat(closes).as("one connection for the whole unit of work").hasSize(1);
        });
        assertThat(jdbc.queryForList("select n from written", Integer.class)).isEmpty();
    }

    /**
     * HikariCP keeps a physical connection's open statements in one list that each borrower's proxy shares, and a
     * second {@code close()} of an earlier borrower's proxy clears it. Axon's default provider closed the connection
     * again at the unit of work's clean-up: here, after the commit, the pool's next borrower opens a statement, and the
     * clean-up runs before it closes its connection. Its statement must still be closed with its connection.
     */
    @Test
    void theNextBorrowersStatementsStayItsOwnAfterAUnitOfWorkEnds() throws Exception {
        List<Object> borrowed = new ArrayList<>();
        inUnitOfWork(uow -> {
            write(1);
            uow.afterCommit(u -> {
                try {
                    Connection next = pool.getConnection();
                    borrowed.add(next);
                    borrowed.add(next.prepareStatement("select 1"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        });
        Connection next = (Connection) borrowed.get(0);
        PreparedStatement statement = (PreparedStatement) borrowed.get(1);
        next.close();
        assertThat(statement.isClosed()).as("closed with the connection that opened it").isTrue();
    }

    @Test
    void outsideAUnitOfWorkEachStatementBorrowsAndReturnsItsOwnConnection() {
        write(1);
        write(2);
        assertThat(closes).extracting(AtomicInteger::get).containsExactly(1, 1);
        assertThat(jdbc.queryForList("select n from written order by n", Integer.class)).containsExactly(1, 2);
    }

    private void inUnitOfWork(java.util.function.Consumer<UnitOfWork<?>> work) {
        DefaultUnitOfWork<?> uow = DefaultUnitOfWork.startAndGet(null);
        uow.attachTransaction(transactions);
        try {
            work.accept(uow);
        } catch (RuntimeException e) {
            uow.rollback(e);
            throw e;
        }
        uow.commit();
    }

    private void inUnitOfWorkRolledBack(java.util.function.Consumer<UnitOfWork<?>> work) {
        DefaultUnitOfWork<?> uow = DefaultUnitOfWork.startAndGet(null);
        uow.attachTransaction(transactions);
        try {
            work.accept(uow);
        } finally {
            uow.rollback();
        }
    }

    /** As Axon's engines write: a statement on the provider's connection, which is closed afterwards. */
    private void write(int n) {
        JdbcUtils.executeUpdates(getConnection(), e -> {
            throw new IllegalStateException("insert failed", e);
        }, c -> {
            PreparedStatement insert = c.prepareStatement("insert into written (n) values (?)");
            insert.setInt(1, n);
            return insert;
        });
    }

    private Connection getConnection() {
        try {
            return connections.getConnection();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The pool, with each connection it hands out counting its {@code close()} calls. */
    private DataSource countingCloses(DataSource target) {
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{DataSource.class},
                (proxy, method, args) -> {
                    Object result = invoke(target, method, args);
                    if (!(result instanceof Connection connection)) {
                        return result;
                    }
                    AtomicInteger count = new AtomicInteger();
                    closes.add(count);
                    return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{Connection.class},
                            (p, m, a) -> {
                                if (m.getName().equals("close")) {
                                    count.incrementAndGet();
                                }
                                return invoke(connection, m, a);
                            });
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
