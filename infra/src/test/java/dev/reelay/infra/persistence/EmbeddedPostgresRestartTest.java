package dev.reelay.infra.persistence;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** The default run's database keeps its data directory: what was written before a restart is there after it. */
class EmbeddedPostgresRestartTest {

    @TempDir
    Path dir;

    @Test
    void dataSurvivesARestartOnTheSameDataDirectory() throws Exception {
        var properties = new EmbeddedPostgresConfiguration.EmbeddedDbProperties(true, dir.resolve("pgdata"), 0);
        try (EmbeddedPostgres first = EmbeddedPostgresConfiguration.start(properties);
             Connection c = first.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("create table kept(v text)");
            st.execute("insert into kept values ('still here')");
        }
        try (EmbeddedPostgres second = EmbeddedPostgresConfiguration.start(properties);
             Connection c = second.getPostgresDatabase().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select v from kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("still here");
        }
    }
}
