package dev.reelay.infra.consistency;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The account views follow the same rule as the task views (ADR 0009): after new limits, or after a create that holds
 * quota and takes a slot, the caller's very next read of the balance shows it.
 */
@ReelayIntegrationTest
class AccountReadYourWritesTest {

    @LocalServerPort
    int port;

    @Test
    void fiftyLimitChangesAreEachShownByTheBalanceReadRightAfter() {
        HttpApi api = new HttpApi(port);
        String admin = api.token("ryw-admin", "admin");
        List<String> stale = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int cap = 100 + i;
            HttpApi.Response put = api.send("PUT", "/api/admin/users/ryw-limited/limits", admin, "application/json",
                    ("{\"maxConcurrent\":" + cap + "}").getBytes(), java.util.Map.of());
            assertThat(put.status()).as(put.body()).isEqualTo(200);
            JsonNode balance = api.get("/api/admin/users/ryw-limited/quota", admin).json().get("data");
            if (balance.get("concurrency").get("limit").asInt() != cap || !balance.get("ownLimits").asBoolean()) {
                stale.add(i + ": " + balance);
            }
        }
        assertThat(stale).isEmpty();
    }

    @Test
    void everyCreateIsInTheQuotaReadRightAfter() {
        HttpApi api = new HttpApi(port);
        String token = api.token("ryw-quota");
        List<String> stale = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            HttpApi.Response created = api.postJson("/api/video/tasks", token,
                    "{\"prompt\":\"quota read " + i + "\",\"model\":\"sora-2\",\"seconds\":4}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            JsonNode quota = api.get("/api/video/quota", token).json().get("data");
            // held + captured only grows while tasks are made; each create adds its 4 seconds before it answers
            double booked = quota.get("quota").get("held").asDouble() + quota.get("quota").get("captured").asDouble();
            if (booked < 4.0 * i - 0.0005) {
                stale.add(i + ": " + quota);
            }
        }
        assertThat(stale).isEmpty();
    }
}
