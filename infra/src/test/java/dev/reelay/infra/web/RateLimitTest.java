package dev.reelay.infra.web;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

@ReelayIntegrationTest
@TestPropertySource(properties = {"reelay.rate-limit.per-user.burst=3", "reelay.rate-limit.per-user.refill-per-minute=1",
        "reelay.rate-limit.per-address.burst=5", "reelay.rate-limit.per-address.refill-per-minute=1"})
class RateLimitTest {

    @LocalServerPort
    int port;

    @Test
    void creatingTooFastIs429WithRetryAfterPerUserThenPerAddress() {
        HttpApi api = new HttpApi(port);
        String fast = api.token("fast-user");
        String body = "{\"prompt\":\"again\",\"model\":\"sora-2\"}";
        for (int i = 0; i < 3; i++) {
            assertThat(api.postJson("/api/video/tasks", fast, body).status()).isEqualTo(201);
        }
        HttpApi.Response limited = api.postJson("/v1/videos", fast, body);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(Long.parseLong(limited.header("Retry-After"))).isPositive();
        assertThat(limited.json().at("/error/code").asText()).isEqualTo("rate_limited");
        HttpApi.Response problem = api.postJson("/api/video/tasks", fast, body);
        assertThat(problem.contentType()).startsWith("application/problem+json");
        assertThat(problem.json().get("code").asText()).isEqualTo("RATE_LIMITED");
        // reads are not limited
        assertThat(api.get("/api/video/tasks", fast).status()).isEqualTo(200);
        // another user from the same address still has the address budget (5): 5 tried so far, all from here
        HttpApi.Response other = api.postJson("/api/video/tasks", api.token("calm-user"), body);
        assertThat(other.status()).isEqualTo(429);
        assertThat(other.json().get("detail").asText()).contains("client address");
    }
}
