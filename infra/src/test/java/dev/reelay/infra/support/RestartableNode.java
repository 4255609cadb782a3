package dev.reelay.infra.support;

import dev.reelay.infra.ReelayApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Reelay node in this JVM on a given test database, to be stopped and started again on it: for the tests of what
 * survives a node's stop. One at a time: two contexts in one JVM share Axon's node name (a second node at the same
 * time runs in its own JVM, {@code consistency/SecondNode}).
 */
public final class RestartableNode {

    private RestartableNode() {
    }

    /**
     * Starts a node on the database {@code db} ({@link TestDatabase#newDatabase()}) with its data in {@code dataDir};
     * {@code more} are further {@code --name=value} settings. Command-line arguments, so they win over application.yml.
     */
    public static ConfigurableApplicationContext start(String[] db, Path dataDir, String... more) {
        List<String> args = new ArrayList<>(List.of("--spring.datasource.url=" + db[0],
                "--spring.datasource.username=" + db[1], "--spring.datasource.password=" + db[2],
                "--reelay.embedded-db.enabled=false", "--server.port=0", "--reelay.data-dir=" + dataDir));
        args.addAll(List.of(more));
        return new SpringApplicationBuilder(ReelayApplication.class).profiles("test").run(args.toArray(String[]::new));
    }

    public static int port(ConfigurableApplicationContext node) {
        return ((WebServerApplicationContext) node).getWebServer().getPort();
    }
}
