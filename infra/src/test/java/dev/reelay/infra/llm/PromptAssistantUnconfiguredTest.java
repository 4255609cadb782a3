package dev.reelay.infra.llm;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/** With no {@code reelay.llm.base-url} and {@code model} (the default), the assistant says so. */
@ReelayIntegrationTest
class PromptAssistantUnconfiguredTest {

    @LocalServerPort
    int port;

    @Test
    void withoutAConfiguredModelTheAssistantAnswers503SayingWhatToSet() {
        HttpApi api = new HttpApi(port);
        HttpApi.Response response = api.postJson("/api/prompt/assist", api.token("pa-none"),
                "{\"prompt\":\"a red fox in snow\",\"mode\":\"enhance\"}");

        assertThat(response.status()).isEqualTo(503);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().get("code").asText()).isEqualTo("LLM_NOT_CONFIGURED");
        assertThat(response.json().get("detail").asText()).contains("reelay.llm.base-url");
        assertThat(api.get("/api/prompt/calls", api.token("pa-none")).json().get("data").get("items")).isEmpty();
    }

    @Test
    void theOpenApiDocumentPublishesTheAssistantAndKeyRoutesWithTheirSchemas() {
        HttpApi api = new HttpApi(port);
        com.fasterxml.jackson.databind.JsonNode docs = api.get("/v3/api-docs", null).json();
        assertThat(docs.get("paths").has("/api/prompt/assist")).isTrue();
        assertThat(docs.get("paths").has("/api/prompt/calls")).isTrue();
        assertThat(docs.get("paths").has("/api/admin/prompt/calls")).isTrue();
        assertThat(docs.get("paths").has("/api/admin/providers")).isTrue();
        assertThat(docs.get("paths").has("/api/admin/providers/{id}/api-key")).isTrue();
        assertThat(docs.get("paths").has("/api/admin/llm/api-key")).isTrue();
        assertThat(docs.at("/components/schemas/AssistResponse/properties").has("suggestions")).isTrue();
        assertThat(docs.at("/components/schemas/UpstreamKey/properties").has("keyFingerprint")).isTrue();
        assertThat(docs.at("/components/schemas/PromptCall/properties").has("digest")).isTrue();
    }
}
