package dev.reelay.infra;

import dev.reelay.infra.consistency.ConsistencyProperties;
import dev.reelay.infra.content.ContentProperties;
import dev.reelay.infra.content.RetentionProperties;
import dev.reelay.infra.guardrails.GuardrailProperties;
import dev.reelay.infra.idempotency.IdempotencyProperties;
import dev.reelay.infra.llm.LlmProperties;
import dev.reelay.infra.secrets.SecretsProperties;
import dev.reelay.infra.sandbox.SandboxProperties;
import dev.reelay.infra.security.CorsProperties;
import dev.reelay.infra.security.SecurityProperties;
import dev.reelay.infra.security.SignedUrlProperties;
import dev.reelay.infra.web.HttpProperties;
import dev.reelay.infra.web.RateLimitProperties;
import dev.reelay.query.live.LiveStreamProperties;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.validation.ValidationAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Settings records bound the way Spring binds them, without application.yml: the defaults come from the records
 * alone, and a setting out of range stops the start naming it.
 */
class SettingsRecordsTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({ContentProperties.class, RetentionProperties.class, GuardrailProperties.class,
            IdempotencyProperties.class, HttpProperties.class, RateLimitProperties.class, CorsProperties.class,
            SecurityProperties.class, SignedUrlProperties.class, SandboxProperties.class, ConsistencyProperties.class,
            LiveStreamProperties.class, LlmProperties.class, SecretsProperties.class})
    static class Settings {
    }

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Settings.class)
            // the two settings whose one default is in application.yml, because other Spring settings read them there
            .withPropertyValues("reelay.http.max-body-size=8MB", "reelay.security.audience=reelay");

    @Nested
    class WithNothingConfigured {

        @Test
        void contentAndRetentionHaveTheDocumentedDefaults() {
            context.run(started -> {
                ContentProperties content = started.getBean(ContentProperties.class);
                assertThat(content.maxDownloadSize()).isEqualTo(DataSize.ofMegabytes(512));
                assertThat(content.downloadTimeout()).isEqualTo(Duration.ofSeconds(120));
                assertThat(content.archiveOnComplete()).isTrue();
                assertThat(content.archiveAttempts()).isEqualTo(6);
                assertThat(content.archiveFirstBackoff()).isEqualTo(Duration.ofSeconds(10));
                RetentionProperties retention = started.getBean(RetentionProperties.class);
                assertThat(retention.completed()).isEqualTo(Duration.ofDays(30));
                assertThat(retention.failed()).isEqualTo(Duration.ofDays(7));
                assertThat(retention.cancelled()).isEqualTo(Duration.ofDays(7));
                assertThat(retention.sweepInterval()).isEqualTo(Duration.ofHours(1));
                assertThat(retention.batch()).isEqualTo(500);
                assertThat(started.getBean(IdempotencyProperties.class).ttl()).isEqualTo(Duration.ofHours(24));
            });
        }

        @Test
        void guardrailsHaveTheDocumentedDefaultsAndEveryModelCostsOnePerSecond() {
            context.run(started -> {
                GuardrailProperties guardrails = started.getBean(GuardrailProperties.class);
                assertThat(guardrails.maxConcurrent()).isEqualTo(4);
                assertThat(guardrails.quotaPeriod()).isEqualTo(Duration.ofDays(1));
                assertThat(guardrails.quotaVideoSeconds()).isEqualByComparingTo("600");
                assertThat(guardrails.accountCache()).isTrue();
                assertThat(guardrails.quotaTokens()).isEqualTo(200_000);
                assertThat(guardrails.priceFactor("sora-2-pro", "1024x1792")).isEqualByComparingTo("1");
            });
        }

        @Test
        void httpBoundsRateLimitsAndCorsHaveTheDocumentedDefaults() {
            context.run(started -> {
                HttpProperties http = started.getBean(HttpProperties.class);
                assertThat(http.idleTimeout()).isEqualTo(Duration.ofSeconds(10));
                assertThat(http.keepAliveTimeout()).isEqualTo(Duration.ofSeconds(15));
                assertThat(http.headerTimeout()).isEqualTo(Duration.ofSeconds(10));
                assertThat(http.bodyTimeout()).isEqualTo(Duration.ofSeconds(120));
                assertThat(http.minBodyRate()).isEqualTo(DataSize.ofKilobytes(1));
                assertThat(http.minRateGrace()).isEqualTo(Duration.ofSeconds(5));
                assertThat(http.slowAfter()).isEqualTo(Duration.ofSeconds(1));
                assertThat(http.maxSlowRequestsPerAddress()).isEqualTo(16);
                RateLimitProperties rateLimit = started.getBean(RateLimitProperties.class);
                assertThat(rateLimit.perUser().burst()).isEqualTo(10);
                assertThat(rateLimit.perUser().refillPerMinute()).isEqualTo(20);
                assertThat(rateLimit.perAddress().burst()).isEqualTo(40);
                assertThat(rateLimit.perAddress().refillPerMinute()).isEqualTo(80);
                CorsProperties cors = started.getBean(CorsProperties.class);
                assertThat(cors.allowedOrigins()).isEmpty();
                assertThat(cors.maxAge()).isEqualTo(Duration.ofHours(1));
            });
        }

        @Test
        void tokensLinksTheSandboxWritesAndLiveStreamsHaveTheDocumentedDefaults() {
            context.run(started -> {
                SecurityProperties security = started.getBean(SecurityProperties.class);
                assertThat(security.devIssuer()).as("off unless application.yml turns it on").isFalse();
                assertThat(security.devIssuerName()).isEqualTo("reelay-dev-issuer");
                assertThat(security.clockSkew()).isEqualTo(Duration.ofSeconds(30));
                assertThat(security.devTokenTtl()).isEqualTo(Duration.ofHours(1));
                assertThat(security.jwsAlgorithms()).isEqualTo(List.of("RS256"));
                assertThat(security.maxTokenLifetime()).isEqualTo(Duration.ofHours(24));
                assertThat(started.getBean(SignedUrlProperties.class).ttl()).isEqualTo(Duration.ofMinutes(30));
                SandboxProperties sandbox = started.getBean(SandboxProperties.class);
                assertThat(sandbox.enabled()).as("off unless application.yml turns it on").isFalse();
                assertThat(sandbox.jobDuration()).isEqualTo(Duration.ofSeconds(15));
                assertThat(sandbox.failureRate()).isZero();
                assertThat(sandbox.retryAfter()).isEqualTo(Duration.ofSeconds(1));
                assertThat(sandbox.webhookProvider()).isEqualTo("sandbox");
                assertThat(started.getBean(ConsistencyProperties.class).writeWait()).isEqualTo(Duration.ofSeconds(5));
                LiveStreamProperties sse = started.getBean(LiveStreamProperties.class);
                assertThat(sse.heartbeat()).isEqualTo(Duration.ofSeconds(15));
                assertThat(sse.timeout()).isEqualTo(Duration.ofMinutes(30));
                assertThat(sse.ticketTtl()).isEqualTo(Duration.ofSeconds(60));
                assertThat(sse.maxStreamsPerUser()).isEqualTo(20);
                assertThat(sse.maxTicketsPerUser()).isEqualTo(20);
                assertThat(sse.maxReplayEvents()).isEqualTo(10_000);
                assertThat(sse.replayThreads()).isEqualTo(2);
                assertThat(sse.replayQueue()).isEqualTo(64);
            });
        }

        @Test
        void thePromptAssistantIsOffAndKeysAreNotManagedUntilConfigured() {
            context.run(started -> {
                LlmProperties llm = started.getBean(LlmProperties.class);
                assertThat(llm.configured()).isFalse();
                assertThat(llm.apiKey()).isEmpty();
                assertThat(llm.maxTokens()).isEqualTo(1024);
                assertThat(llm.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
                assertThat(llm.readTimeout()).isEqualTo(Duration.ofSeconds(60));
                assertThat(llm.systemPrompts().enhance()).contains("cinematic detail");
                assertThat(llm.systemPrompts().translate()).contains("{language}");
                assertThat(llm.systemPrompts().shorten()).contains("shorten");
                SecretsProperties secrets = started.getBean(SecretsProperties.class);
                assertThat(secrets.masterKey()).isNull();
                assertThat(secrets.masterKeyFile()).isNull();
                assertThat(secrets.pollInterval()).isEqualTo(Duration.ofSeconds(2));
            });
        }
    }

    @Test
    void configuredPriceFactorsArePricedByModelAndSize() {
        context.withPropertyValues("reelay.guardrails.quota.price-factors[0].model=sora-2-pro",
                "reelay.guardrails.quota.price-factors[0].factor=3",
                "reelay.guardrails.quota.price-factors[1].model=sora-2-pro",
                "reelay.guardrails.quota.price-factors[1].size=1024x1792",
                "reelay.guardrails.quota.price-factors[1].factor=5").run(started -> {
            GuardrailProperties guardrails = started.getBean(GuardrailProperties.class);
            assertThat(guardrails.priceFactor("sora-2-pro", "1024x1792")).isEqualByComparingTo("5");
            assertThat(guardrails.priceFactor("sora-2-pro", "720x1280")).isEqualByComparingTo("3");
            assertThat(guardrails.priceFactor("sora-2", "720x1280")).isEqualByComparingTo("1");
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "reelay.content.archive-attempts=0     | archiveAttempts",
            "reelay.content.max-download-size=0B   | max-download-size must be positive",
            "reelay.retention.failed=-1s           | failed",
            "reelay.retention.batch=0              | batch",
            "reelay.idempotency.ttl=0s             | ttl",
            "reelay.guardrails.max-concurrent=-1   | maxConcurrent",
            "reelay.guardrails.quota.period=0s     | period",
            "reelay.http.idle-timeout=0s           | idleTimeout",
            "reelay.http.body-timeout=-1s          | bodyTimeout",
            "reelay.http.max-slow-requests-per-address=0 | maxSlowRequestsPerAddress",
            "reelay.rate-limit.per-user.burst=0    | burst",
            "reelay.rate-limit.per-address.refill-per-minute=0 | refillPerMinute",
            "reelay.http.cors.allowed-origins=https://app.example.com/ | allowed-origins",
            "reelay.security.clock-skew=-1s        | clockSkew",
            "reelay.security.max-token-lifetime=0s | max-token-lifetime must be positive",
            "reelay.security.dev-token-ttl=48h     | dev-token-ttl must be at most max-token-lifetime",
            "reelay.content.signed-urls.ttl=3s     | ttl",
            "reelay.sandbox.enabled=true           | api-key is required",
            "reelay.consistency.write-wait=-1s     | writeWait",
            "reelay.sse.heartbeat=0s               | heartbeat",
            "reelay.sse.max-streams-per-user=0     | maxStreamsPerUser",
            "reelay.sse.max-replay-events=-1       | maxReplayEvents",
            "reelay.sse.replay-queue=-1            | replayQueue",
            "reelay.llm.max-tokens=0               | maxTokens",
            "reelay.llm.read-timeout=0s            | readTimeout",
            "reelay.guardrails.quota.tokens=-1     | tokens",
            "reelay.secrets.poll-interval=1ms      | pollInterval"})
    void aSettingOutOfRangeStopsTheStartNamingIt(String setting, String named) {
        context.withPropertyValues(setting).run(started ->
                assertThat(started).getFailure().rootCause().hasMessageContaining(named));
    }
}
