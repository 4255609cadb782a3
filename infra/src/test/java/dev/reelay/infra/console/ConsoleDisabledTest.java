package dev.reelay.infra.console;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** With {@code reelay.console.enabled=false} there is no console and {@code /} is not redirected to it. */
@ReelayIntegrationTest
@TestPropertySource(properties = "reelay.console.enabled=false")
class ConsoleDisabledTest {

    @LocalServerPort
    int port;

    @Test
    void aDisabledConsoleIsNotServed() {
        HttpApi api = new HttpApi(port);
        assertThat(api.get("/console/", null).status()).isIn(401, 404);
        assertThat(api.get("/console/js/app.js", null).status()).isIn(401, 404);
        assertThat(api.get("/", null).status()).isNotEqualTo(302);
    }
}
