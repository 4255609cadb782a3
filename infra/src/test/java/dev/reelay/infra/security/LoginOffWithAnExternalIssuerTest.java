package dev.reelay.infra.security;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With the dev issuer off (production: an external OIDC issuer), nothing mints tokens: the seeds' login and the dev
 * routes do not exist. The issuer is never reached here (its metadata is fetched on the first bearer token).
 */
@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.security.dev-issuer=false",
        "spring.security.oauth2.resourceserver.jwt.issuer-uri=http://127.0.0.1:9/realms/reelay"})
class LoginOffWithAnExternalIssuerTest {

    @LocalServerPort
    int port;

    @Test
    void theSeedsLoginIsA404ProblemAndTheDevIssuerIsGone() {
        HttpApi api = new HttpApi(port);
        HttpApi.Response login = api.postJson("/api/auth/login", null, "{\"username\":\"alice\",\"password\":\"pw\"}");
        assertThat(login.status()).isEqualTo(404);
        assertThat(login.contentType()).startsWith("application/problem+json");
        assertThat(login.body()).doesNotContain("token");
        assertThat(api.postJson("/dev/token", null, "{\"sub\":\"alice\"}").status()).isEqualTo(404);
        // every other API route still wants a bearer token from the issuer
        assertThat(api.get("/api/video/tasks", null).status()).isEqualTo(401);
    }
}
