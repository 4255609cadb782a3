package dev.reelay.infra.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Without a master key (the default) keys cannot be set at run time, and the configured keys keep working. */
@ReelayIntegrationTest
class ManagedKeysWithoutMasterKeyTest {

    @LocalServerPort
    int port;

    @Test
    void settingAKeyIsRefusedSayingAMasterKeyIsNeededAndTheConfiguredKeyStaysListed() {
        HttpApi api = new HttpApi(port);
        String admin = api.token("nokey-admin", "admin");

        HttpApi.Response refused = api.send("PUT", "/api/admin/providers/sandbox/api-key", admin, "application/json",
                "{\"apiKey\":\"a-new-provider-key\"}".getBytes(StandardCharsets.UTF_8), Map.of());

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().get("code").asText()).isEqualTo("MASTER_KEY_MISSING");
        assertThat(refused.json().get("detail").asText()).contains("REELAY_MASTER_KEY").contains("master-key-file");
        assertThat(api.send("PUT", "/api/admin/llm/api-key", admin, "application/json",
                "{\"apiKey\":\"a-new-llm-key\"}".getBytes(StandardCharsets.UTF_8), Map.of()).status()).isEqualTo(503);

        JsonNode sandbox = api.get("/api/admin/providers", admin).json().get("data").get(0);
        assertThat(sandbox.get("id").asText()).isEqualTo("sandbox");
        assertThat(sandbox.get("keySource").asText()).isEqualTo("env");
        assertThat(sandbox.get("keyFingerprint").asText()).matches("[0-9a-f]{8}");
        assertThat(sandbox.has("keyUpdatedAt")).isFalse();
    }
}
