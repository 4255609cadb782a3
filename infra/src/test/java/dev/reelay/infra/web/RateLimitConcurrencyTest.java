package dev.reelay.infra.web;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many clients behind one address at once: the address's bucket spends concurrent creates together (Bucket4j's
 * batching), and still lets exactly its budget through, no more and no less. Time stands still (the node's clock is
 * moved by hand and never is here), so nothing refills during the test.
 */
@ReelayIntegrationTest
@Import(RateLimitWindowTest.ManualTime.class)
@TestPropertySource(properties = {"reelay.rate-limit.per-user.burst=1000", "reelay.rate-limit.per-user.refill-per-minute=1",
        "reelay.rate-limit.per-address.burst=12", "reelay.rate-limit.per-address.refill-per-minute=1"})
class RateLimitConcurrencyTest {

    static final int CLIENTS = 8;
    static final int CREATES_EACH = 4;

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void concurrentCreatesFromOneAddressGetExactlyItsBudget() throws Exception {
        HttpApi api = new HttpApi(port);
        String body = "{\"prompt\":\"crowd\",\"model\":\"sora-2\"}";
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Integer>>> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            String token = api.token("crowd-user-" + c);
            clients.add(pool.submit(() -> {
                start.await();
                List<Integer> statuses = new ArrayList<>();
                for (int i = 0; i < CREATES_EACH; i++) {
                    statuses.add(api.postJson("/api/video/tasks", token, body).status());
                }
                return statuses;
            }));
        }
        start.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<List<Integer>> client : clients) {
            statuses.addAll(client.get());
        }
        pool.shutdown();

        assertThat(statuses).hasSize(CLIENTS * CREATES_EACH).containsOnly(201, 429);
        assertThat(statuses.stream().filter(s -> s == 201).count()).as("creates let through").isEqualTo(12);
        Integer tasks = jdbc.queryForObject(
                "select count(*) from domain_event_entry where payload_type like '%TaskSubmitted'", Integer.class);
        assertThat(tasks).as("tasks stored").isEqualTo(12);
    }
}
