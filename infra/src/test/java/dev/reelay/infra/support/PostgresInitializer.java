package dev.reelay.infra.support;

import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/** Points a test context at its own fresh database on the test PostgreSQL. */
public class PostgresInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        String[] db = TestDatabase.newDatabase();
        TestPropertyValues.of(
                "spring.datasource.url=" + db[0],
                "spring.datasource.username=" + db[1],
                "spring.datasource.password=" + db[2],
                "reelay.embedded-db.enabled=false"
        ).applyTo(context.getEnvironment());
    }
}
