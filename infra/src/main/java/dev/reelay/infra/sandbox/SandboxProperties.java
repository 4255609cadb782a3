package dev.reelay.infra.sandbox;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * The in-process simulated provider ({@code reelay.sandbox}): how long jobs take, how often they fail, and which
 * faults it injects (every Nth create answers 429 or 500).
 *
 * @param enabled read here for the configuration metadata; its value ({@code true}) is set in application.yml,
 *                because the sandbox's beans are switched by a condition on this key, read before any record is
 *                bound
 * @param apiKey  bound in application.yml to {@code REELAY_SANDBOX_API_KEY} (generated when unset, see
 *                {@link SandboxKeyGenerator})
 */
@Validated
@ConfigurationProperties("reelay.sandbox")
public record SandboxProperties(boolean enabled, String apiKey, @NotNull @DefaultValue("15s") Duration jobDuration,
                                double failureRate, int rateLimitEvery, int serverErrorEvery,
                                @NotNull @DefaultValue("1s") Duration retryAfter, long pollAfterMs,
                                boolean webhooks, String webhookSecret,
                                @NotNull @DefaultValue("sandbox") String webhookProvider) {

    @AssertTrue(message = "api-key is required when the sandbox is enabled (REELAY_SANDBOX_API_KEY or generated)")
    boolean isApiKeySetWhenEnabled() {
        return !enabled || (apiKey != null && !apiKey.isBlank());
    }

    @Override
    public String toString() {
        return "SandboxProperties[enabled=" + enabled + ", jobDuration=" + jobDuration + ", failureRate=" + failureRate
                + ", apiKey=***]";
    }
}
