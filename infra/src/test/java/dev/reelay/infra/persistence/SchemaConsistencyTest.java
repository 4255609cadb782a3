package dev.reelay.infra.persistence;

import dev.reelay.infra.support.ReelayIntegrationTest;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flyway migrates an empty PostgreSQL and Hibernate then validates every entity against it
 * ({@code ddl-auto=validate}); if a migration, an entity and the code disagree, this context does not start.
 */
@ReelayIntegrationTest
class SchemaConsistencyTest {

    @Autowired
    Flyway flyway;
    @Autowired
    JdbcTemplate jdbc;
    @Value("${spring.jpa.hibernate.ddl-auto}")
    String ddlAuto;

    @Test
    void migrationsCreateTheSchemaThatHibernateValidates() {
        assertThat(ddlAuto).isEqualTo("validate");
        assertThat(flyway.info().pending()).isEmpty();
        assertThat(flyway.info().applied()).isNotEmpty();
        assertThat(jdbc.queryForList("select table_name from information_schema.tables where table_schema='public'",
                String.class)).contains("domain_event_entry", "snapshot_event_entry", "token_entry", "saga_entry",
                "association_value_entry", "dead_letter_entry", "scheduled_tasks", "flyway_schema_history");
    }

    @Test
    void eventPayloadsAreByteaNotLargeObjects() {
        assertThat(jdbc.queryForObject("select data_type from information_schema.columns "
                + "where table_name='domain_event_entry' and column_name='payload'", String.class)).isEqualTo("bytea");
        assertThat(jdbc.queryForObject("select count(*) from pg_largeobject_metadata", Integer.class)).isZero();
    }

    @Test
    void theGlobalEventSequenceStepsByOne() {
        assertThat(jdbc.queryForObject("select increment_by from pg_sequences where sequencename='domain_event_entry_seq'",
                Long.class)).isEqualTo(1L);
    }
}
