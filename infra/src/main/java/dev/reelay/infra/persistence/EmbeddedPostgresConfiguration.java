package dev.reelay.infra.persistence;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The default profile's database: a PostgreSQL 15 started in-process from Maven-Central binaries, with a data
 * directory kept between runs, so a fresh machine runs Reelay with no database set up. Production points
 * {@code spring.datasource.*} at a real server and sets {@code reelay.embedded-db.enabled=false}.
 * <p>
 * PostgreSQL is usually already starting when this configuration is reached: {@link EmbeddedPostgresEarlyStart}
 * begins it as soon as the environment is known, so initdb and the postmaster overlap the context refresh.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "reelay.embedded-db", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(EmbeddedPostgresConfiguration.EmbeddedDbProperties.class)
class EmbeddedPostgresConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresConfiguration.class);

    /**
     * @param durable fsync and synchronous_commit on (zonky's defaults are {@code -F} and {@code synchronous_commit=off},
     *                which lose committed events when the machine, not just the app, goes down); {@code false} only
     *                for throw-away data, e.g. to measure what durability costs
     */
    @ConfigurationProperties("reelay.embedded-db")
    record EmbeddedDbProperties(boolean enabled, Path dataDir, int port, @DefaultValue("true") boolean durable) {
    }

    /** How long a server left running by a dead app gets for its fast shutdown before the start gives up. */
    private static final Duration LEFTOVER_SHUTDOWN_WAIT = Duration.ofSeconds(30);

    /**
     * Starts PostgreSQL on the configured data directory and returns once it accepts connections. The caller
     * closes it. Zonky's own JVM shutdown hook is off: it would stop PostgreSQL at the same time as Spring closes
     * the context (JVM hooks run concurrently), under Hikari, Axon's processors and db-scheduler. Spring stops it
     * instead, last: as this bean's destroy method, or, if the context never got that far, from a Spring Boot
     * shutdown handler, which runs after every context has closed.
     * <p>
     * A server that a killed earlier run left on the data directory is stopped first ({@link LeftoverPostmaster}).
     */
    static EmbeddedPostgres start(EmbeddedDbProperties properties) throws IOException {
        Path dataDir = properties.dataDir().toAbsolutePath();
        Files.createDirectories(dataDir);
        LeftoverPostmaster.stopIfOrphaned(dataDir, LEFTOVER_SHUTDOWN_WAIT);
        String durable = properties.durable() ? "on" : "off";
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                // zonky always passes -F (fsync off); a -c given after it on the command line wins
                .setServerConfig("fsync", durable)
                .setServerConfig("synchronous_commit", durable)
                .setPGStartupWait(Duration.ofSeconds(30));
        if (properties.port() > 0) {
            builder.setPort(properties.port());
        }
        EmbeddedPostgres postgres = builder.start();
        log.info("Embedded PostgreSQL 15 on port {} with data in {} (kept between runs; set REELAY_DATA_DIR to move it){}",
                postgres.getPort(), dataDir, properties.durable() ? "" : "; NOT durable: fsync and synchronous_commit off");
        return postgres;
    }

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(EmbeddedDbProperties properties,
                                      ObjectProvider<EmbeddedPostgresEarlyStart.Started> earlyStart) throws IOException {
        EmbeddedPostgresEarlyStart.Started started = earlyStart.getIfAvailable();
        if (started != null) {
            if (started.properties().equals(properties)) {
                return started.join();
            }
            // something after the environment was prepared changed the settings: the early instance is not ours
            log.info("Embedded PostgreSQL settings changed after the early start; starting it again with {}", properties);
            started.close();
        }
        return start(properties);
    }

    @Bean
    DataSource dataSource(EmbeddedPostgres postgres) {
        HikariDataSource dataSource = new HikariDataSource();
        dataSource.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        dataSource.setUsername("postgres");
        dataSource.setMaximumPoolSize(10); // as the postgres profile's default (application.yml)
        dataSource.setPoolName("reelay-embedded");
        return dataSource;
    }
}
