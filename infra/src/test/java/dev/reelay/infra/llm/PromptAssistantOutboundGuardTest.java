package dev.reelay.infra.llm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** An LLM base URL on an internal address is refused by the SSRF guard unless the host is explicitly allowed. */
@ReelayIntegrationTest
class PromptAssistantOutboundGuardTest {

    static final MockWebServer CHAT = PromptAssistantTest.start();

    @DynamicPropertySource
    static void llm(DynamicPropertyRegistry registry) {
        registry.add("reelay.llm.base-url", () -> "http://127.0.0.1:" + CHAT.getPort() + "/v1");
        registry.add("reelay.llm.model", () -> "gpt-test");
    }

    @AfterAll
    static void stop() throws IOException {
        CHAT.shutdown();
    }

    @LocalServerPort
    int port;

    @Test
    void aLoopbackBaseUrlIsNeverCalledAndTheCallIsLoggedAsRefused() {
        CHAT.enqueue(new MockResponse().setBody("{\"choices\":[{\"message\":{\"content\":\"should not be asked\"}}]}"));
        HttpApi api = new HttpApi(port);
        String token = api.token("pa-guard");

        HttpApi.Response response = api.postJson("/api/prompt/assist", token, "{\"prompt\":\"a fox\",\"mode\":\"enhance\"}");

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.json().get("code").asText()).isEqualTo("LLM_UNAVAILABLE");
        assertThat(response.json().get("detail").asText()).contains("outbound guard").contains("internal address");
        assertThat(CHAT.getRequestCount()).isZero();
        JsonNode call = api.get("/api/prompt/calls", token).json().at("/data/items/0");
        assertThat(call.get("status").asText()).isEqualTo("error");
        assertThat(call.get("attempts").asInt()).isZero();
    }
}
