package dev.reelay.infra.consistency;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.query.ProjectionGroups;
import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The account views follow the same rule as the task views (ADR 0009): after new limits, or after a create that holds
 * quota and takes a slot, the caller's very next read of the balance shows it. Since issue 16 the create does not
 * wait for the account's row; the read of the balance waits for the account's last event.
 */
@ReelayIntegrationTest
class AccountReadYourWritesTest {

    @LocalServerPort
    int port;
    @Autowired
    EventProcessingConfiguration processing;
    @Autowired
    MeterRegistry meters;

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

    @Test
    void aCreateAnswersWithoutTheAccountRowAndTheBalanceReadWaitsForIt() {
        HttpApi api = new HttpApi(port);
        String token = api.token("ryw-quota-lag");
        StreamingEventProcessor accounts = processing.eventProcessor(ProjectionGroups.ACCOUNTS,
                StreamingEventProcessor.class).orElseThrow();
        double lateBefore = meters.counter("reelay.read_your_writes.late").count();
        CompletableFuture<JsonNode> read;
        accounts.shutDown();
        try {
            HttpApi.Response created = api.postJson("/api/video/tasks", token,
                    "{\"prompt\":\"quota while the account row lags\",\"model\":\"sora-2\",\"seconds\":4}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(meters.counter("reelay.read_your_writes.late").count())
                    .as("the create did not wait out its bound for the stopped account projection").isEqualTo(lateBefore);
            read = CompletableFuture.supplyAsync(() -> api.get("/api/video/quota", token).json().get("data"));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !read.isDone());
        } finally {
            accounts.start(); // whatever happened, later tests need the projection running
        }
        JsonNode quota = read.orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join();
        // held, or captured if the sandbox's job already finished: the one create's 4 seconds either way
        double booked = quota.get("quota").get("held").asDouble() + quota.get("quota").get("captured").asDouble();
        assertThat(booked).as("the read waited for the hold: " + quota).isEqualTo(4.0);
    }
}
