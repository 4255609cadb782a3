package dev.reelay.infra.console;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** How the console is served: from the jar, public, under a strict CSP; and the capability list it builds its form from. */
@ReelayIntegrationTest
class ConsoleServingTest {

    @LocalServerPort
    int port;

    @Test
    void theConsoleIsServedPubliclyWithAStrictContentSecurityPolicy() {
        HttpApi api = new HttpApi(port);
        HttpApi.Response root = api.get("/", null);
        assertThat(root.status()).isEqualTo(302);
        assertThat(root.header("Location")).endsWith("/console/");
        HttpApi.Response page = api.get("/console/", null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("<script type=\"module\" src=\"js/app.js\"></script>");
        String csp = page.header("Content-Security-Policy");
        assertThat(csp).contains("default-src 'none'").contains("script-src 'self'").contains("connect-src 'self'")
                .doesNotContain("unsafe-inline").doesNotContain("http");
        HttpApi.Response module = api.get("/console/js/api.js", null);
        assertThat(module.status()).isEqualTo(200);
        assertThat(module.contentType()).contains("javascript");
        assertThat(api.get("/console/js/nothing-here.js", null).status()).isEqualTo(404);
    }

    @Test
    void theCapabilityListNamesEveryConfiguredModelWithItsChoicesAndTheLimits() {
        HttpApi api = new HttpApi(port);
        HttpApi.Response response = api.get("/api/video/capabilities", api.token("alice"));
        assertThat(response.status()).isEqualTo(200);
        var data = response.json().get("data");
        assertThat(data.get("maxPromptLength").asInt()).isEqualTo(10_000);
        assertThat(data.get("maxImageBytes").asLong()).isEqualTo(5L * 1024 * 1024);
        assertThat(data.get("imageTypes").toString()).contains("image/png", "image/jpeg", "image/webp");
        var sora = data.get("models").get(0);
        assertThat(sora.get("id").asText()).isEqualTo("sora-2");
        assertThat(sora.get("sizes").get(0).asText()).isEqualTo("720x1280");
        assertThat(sora.get("seconds").isArray()).isTrue();
        assertThat(api.get("/api/video/capabilities", null).status()).isEqualTo(401);
    }
}
