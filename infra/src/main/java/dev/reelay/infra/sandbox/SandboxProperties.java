package dev.reelay.infra.sandbox;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * The in-process simulated provider ({@code reelay.sandbox}): how long jobs take, how often they fail, and which
 * faults it injects (every Nth create answers 429 or 500).
 */
@ConfigurationProperties("reelay.sandbox")
public record SandboxProperties(boolean enabled, String apiKey, Duration jobDuration, double failureRate,
                                int rateLimitEvery, int serverErrorEvery, Duration retryAfter, long pollAfterMs,
                                boolean webhooks, String webhookSecret, String webhookProvider) {

    public SandboxProperties {
        if (enabled && (apiKey == null || apiKey.isBlank())) {
            throw new IllegalArgumentException("reelay.sandbox.api-key is required (REELAY_SANDBOX_API_KEY or generated)");
        }
        jobDuration = jobDuration == null ? Duration.ofSeconds(15) : jobDuration;
        retryAfter = retryAfter == null ? Duration.ofSeconds(1) : retryAfter;
        webhookProvider = webhookProvider == null ? "sandbox" : webhookProvider;
    }

    @Override
    public String toString() {
        return "SandboxProperties[enabled=" + enabled + ", jobDuration=" + jobDuration + ", failureRate=" + failureRate
                + ", apiKey=***]";
    }
}
