package dev.reelay.infra.persistence;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The default run's database keeps its data directory: what was written before a restart is there after it, every
 * commit is flushed to disk, and a server still in use by a live run is never stopped by another start.
 * (A server left behind by a killed run: {@link DefaultRunCrashRestartTest}.)
 */
class EmbeddedPostgresRestartTest {

    @TempDir
    Path dir;

    @Test
    void dataSurvivesARestartOnTheSameDataDirectory() throws Exception {
        var properties = new EmbeddedPostgresConfiguration.EmbeddedDbProperties(true, dir.resolve("pgdata"), 0, true);
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

    @Test
    void theEmbeddedServerFlushesEveryCommitToDisk() throws Exception {
        var properties = new EmbeddedPostgresConfiguration.EmbeddedDbProperties(true, dir.resolve("pgdata"), 0, true);
        try (EmbeddedPostgres postgres = EmbeddedPostgresConfiguration.start(properties);
             Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            assertThat(setting(st, "fsync")).isEqualTo("on");
            assertThat(setting(st, "synchronous_commit")).isEqualTo("on");
        }
    }

    @Test
    void aStartOnADirectoryWhoseServerALiveRunStillUsesIsRefusedAndThatServerKeepsRunning() throws Exception {
        Path pgdata = dir.resolve("pgdata");
        var properties = new EmbeddedPostgresConfiguration.EmbeddedDbProperties(true, pgdata, 0, true);
        try (EmbeddedPostgres live = EmbeddedPostgresConfiguration.start(properties)) {
            assertThatThrownBy(() -> EmbeddedPostgresConfiguration.start(properties))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Another Reelay is running on");
            try (Connection c = live.getPostgresDatabase().getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select 1")) {
                assertThat(rs.next()).isTrue();
            }
        }
    }

    private static String setting(Statement st, String name) throws Exception {
        try (ResultSet rs = st.executeQuery("show " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
