package dev.reelay.infra.persistence;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default run starts its PostgreSQL while the context is still being prepared, and the context runs on that
 * very instance; settings that switch it off later, or a context built without Spring Boot, still end up right.
 */
class EmbeddedPostgresEarlyStartTest {

    @TempDir
    Path dir;

    @Test
    void postgresIsUpBeforeTheRefreshBeginsAndTheContextUsesThatInstanceThenStopsItLast() throws Exception {
        Path pgdata = dir.resolve("pgdata");
        SeenBeforeRefresh beforeRefresh = new SeenBeforeRefresh();
        SpringApplication app = application();
        app.addPrimarySources(List.of(LastWordsOnClose.class));
        app.addListeners(beforeRefresh);

        EmbeddedPostgres used;
        try (ConfigurableApplicationContext context = app.run(embeddedDbArguments(pgdata, true))) {
            assertThat(beforeRefresh.contextWasActive).as("context refreshed before PostgreSQL answered").isFalse();
            assertThat(beforeRefresh.answer).isEqualTo(1);
            used = context.getBean(EmbeddedPostgres.class);
            assertThat(used).isSameAs(beforeRefresh.postgres);
            new JdbcTemplate(context.getBean(DataSource.class)).execute("create table kept(v text)");
        }
        // the context is closed: the bean that wrote while closing went first, PostgreSQL last
        assertThat(pgdata.resolve("postmaster.pid")).doesNotExist();

        var properties = new EmbeddedPostgresConfiguration.EmbeddedDbProperties(true, pgdata, 0, true);
        try (EmbeddedPostgres again = EmbeddedPostgresConfiguration.start(properties);
             Connection c = again.getPostgresDatabase().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select v from kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("written while the context closed");
        }
    }

    @Test
    void anInitializerThatSwitchesTheEmbeddedDatabaseOffStopsTheEarlyOne() {
        Path pgdata = dir.resolve("pgdata");
        SpringApplication app = application();
        app.addInitializers(context -> TestPropertyValues.of("reelay.embedded-db.enabled=false")
                .applyTo(context.getEnvironment()));

        try (ConfigurableApplicationContext context = app.run(embeddedDbArguments(pgdata, true))) {
            assertThat(context.getBeanNamesForType(EmbeddedPostgres.class)).isEmpty();
            assertThat(context.containsBean(EmbeddedPostgresEarlyStart.BEAN_NAME)).isFalse();
        }
        assertThat(pgdata.resolve("PG_VERSION")).as("started early").exists();
        assertThat(pgdata.resolve("postmaster.pid")).as("and stopped").doesNotExist();
    }

    @Test
    void nothingStartsWhenTheEmbeddedDatabaseIsOffFromTheStart() {
        Path pgdata = dir.resolve("pgdata");
        try (ConfigurableApplicationContext context = application().run(embeddedDbArguments(pgdata, false))) {
            assertThat(context.getBeanNamesForType(EmbeddedPostgres.class)).isEmpty();
        }
        assertThat(Files.exists(pgdata)).isFalse();
    }

    @Test
    void aContextBuiltWithoutTheListenerStartsPostgresItselfAndStopsIt() {
        Path pgdata = dir.resolve("pgdata");
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            TestPropertyValues.of("reelay.embedded-db.enabled=true", "reelay.embedded-db.data-dir=" + pgdata)
                    .applyTo(context.getEnvironment());
            context.register(OnlyTheEmbeddedDatabase.class);
            context.refresh();
            Integer answer = new JdbcTemplate(context.getBean(DataSource.class)).queryForObject("select 1", Integer.class);
            assertThat(answer).isEqualTo(1);
            assertThat(pgdata.resolve("postmaster.pid")).exists();
        }
        assertThat(pgdata.resolve("postmaster.pid")).doesNotExist();
    }

    private static SpringApplication application() {
        SpringApplication app = new SpringApplication(OnlyTheEmbeddedDatabase.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        return app;
    }

    private static String[] embeddedDbArguments(Path pgdata, boolean enabled) {
        return new String[]{"--reelay.embedded-db.enabled=" + enabled, "--reelay.embedded-db.data-dir=" + pgdata,
                "--reelay.embedded-db.port=0", "--spring.main.banner-mode=off"};
    }

    /** At ApplicationPreparedEvent the context exists but has not been refreshed: no bean has been created yet. */
    static class SeenBeforeRefresh implements ApplicationListener<ApplicationPreparedEvent> {
        volatile EmbeddedPostgres postgres;
        volatile boolean contextWasActive;
        volatile Integer answer;

        @Override
        public void onApplicationEvent(ApplicationPreparedEvent event) {
            ConfigurableApplicationContext context = event.getApplicationContext();
            contextWasActive = context.isActive();
            var started = (EmbeddedPostgresEarlyStart.Started) context.getBeanFactory()
                    .getSingleton(EmbeddedPostgresEarlyStart.BEAN_NAME);
            assertThat(started).as("no early start was handed to the context").isNotNull();
            try {
                postgres = started.join();
                answer = new JdbcTemplate(postgres.getPostgresDatabase()).queryForObject("select 1", Integer.class);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(EmbeddedPostgresConfiguration.class)
    static class OnlyTheEmbeddedDatabase {
    }

    @Configuration(proxyBeanMethods = false)
    static class LastWordsOnClose {

        /** Like Axon committing its last token: database work while the context closes, before PostgreSQL stops. */
        @Bean
        DisposableBean lastWordsOnClose(DataSource dataSource) {
            return () -> new JdbcTemplate(dataSource).update(
                    "insert into kept values ('written while the context closed')");
        }
    }
}
