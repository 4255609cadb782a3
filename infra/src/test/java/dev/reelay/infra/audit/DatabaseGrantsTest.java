package dev.reelay.infra.audit;

import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The grants docs/deployment.md tells operators to run, run here as written: the app role appends and reads events but
 * cannot change or delete them, nor the chain, while read models stay writable.
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.audit.checkpoint-interval=1s", "reelay.audit.gap-timeout=2s"})
class DatabaseGrantsTest {

    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Environment environment;

    @Test
    void theDocumentedAppRoleCannotUpdateOrDeleteEventsButKeepsWritingReadModels() throws Exception {
        String doc = Files.readString(Path.of("..").toAbsolutePath().normalize().resolve("docs/deployment.md"));
        int marker = doc.indexOf("<!-- grants:");
        assertThat(marker).as("the grants block in docs/deployment.md").isPositive();
        int start = doc.indexOf("```sql", marker) + "```sql".length();
        String role = "reelay_app_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        String grants = doc.substring(start, doc.indexOf("```", start)).replace("reelay_app", role);
        for (String statement : grants.split(";")) {
            if (!statement.isBlank()) {
                jdbc.execute(statement);
            }
        }
        String url = environment.getProperty("spring.datasource.url").replaceAll("\\?.*$", ""); // its ?user= would win
        try (Connection app = DriverManager.getConnection(url, role, "change-me");
             Statement sql = app.createStatement()) {
            try (var who = sql.executeQuery("select current_user")) {
                who.next();
                assertThat(who.getString(1)).isEqualTo(role);
            }
            sql.executeQuery("select count(*) from domain_event_entry").close();
            sql.executeUpdate("insert into domain_event_entry select * from domain_event_entry where false");
            sql.executeUpdate("insert into audit_chain select * from audit_chain where false");
            sql.executeUpdate("update task_view set owner = owner where false");
            sql.executeUpdate("delete from token_entry where false");
            for (String forbidden : new String[]{"update domain_event_entry set payload = payload where false",
                    "delete from domain_event_entry where false", "truncate domain_event_entry",
                    "update audit_chain set chain_hash = chain_hash where false", "delete from audit_checkpoint where false"}) {
                assertThatThrownBy(() -> sql.executeUpdate(forbidden)).as(forbidden)
                        .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
            }
        } finally {
            jdbc.execute("drop owned by " + role);
            jdbc.execute("drop role " + role);
        }
    }
}
