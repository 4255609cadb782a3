package dev.reelay.infra.guardrails;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import dev.reelay.kernel.account.AccountId;
import dev.reelay.kernel.command.SettleTask;
import dev.reelay.kernel.event.QuotaCaptured;
import org.axonframework.commandhandling.CommandBus;
import org.axonframework.common.Registration;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.dao.CannotAcquireLockException;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A task's settlement that fails for a reason of the moment (here: the account's lock was not available) is sent
 * again by the command outbox, instead of being lost, which left the hold and the slot taken for good.
 */
@ReelayIntegrationTest
class TransientSettlementFailureTest {

    @LocalServerPort
    int port;
    @Autowired
    CommandBus commandBus;
    @Autowired
    EventStore events;

    @Test
    void aSettlementThatMetALockedAccountIsRetriedAndTheHoldIsCaptured() {
        String owner = "settle-retry-" + UUID.randomUUID();
        AtomicReference<String> target = new AtomicReference<>();
        AtomicInteger attempts = new AtomicInteger();
        Registration failFirst = commandBus.registerHandlerInterceptor((unitOfWork, chain) -> {
            if (unitOfWork.getMessage().getPayload() instanceof SettleTask settle
                    && settle.videoId().value().equals(target.get()) && attempts.incrementAndGet() == 1) {
                throw new CannotAcquireLockException("test: the account's lock was not available");
            }
            return chain.proceed();
        });
        try {
            HttpApi api = new HttpApi(port);
            String token = api.token(owner);
            HttpApi.Response created = api.postJson("/api/video/tasks", token,
                    "{\"prompt\":\"a settlement that fails once\",\"model\":\"sora-2\",\"size\":\"720x1280\",\"seconds\":4}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            String videoId = created.json().at("/data/videoId").asText();
            target.set(videoId);

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(events.readEvents(
                    AccountId.of(owner).value()).asStream().map(e -> e.getPayload())
                    .filter(QuotaCaptured.class::isInstance).map(QuotaCaptured.class::cast)
                    .map(captured -> captured.videoId().value()))
                    .as("the completed task's hold is captured after all").containsExactly(videoId));
            assertThat(attempts).as("the settlement failed once and passed the second time").hasValue(2);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                HttpApi.Response quota = api.get("/api/video/quota", token);
                assertThat(quota.status()).as(quota.body()).isEqualTo(200);
                assertThat(quota.json().at("/data/quota/held").decimalValue()).isEqualByComparingTo(BigDecimal.ZERO);
                assertThat(quota.json().at("/data/quota/captured").decimalValue()).isPositive();
                assertThat(quota.json().at("/data/concurrency/active").asInt()).as("the slot is free").isZero();
            });
        } finally {
            failFirst.cancel();
        }
    }
}
