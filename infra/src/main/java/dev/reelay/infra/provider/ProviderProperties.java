package dev.reelay.infra.provider;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Upstream providers ({@code reelay.providers[*]}). Keys come from the environment or a secret file and are never
 * printed: {@link Provider#toString()} redacts them.
 */
@ConfigurationProperties("reelay")
public record ProviderProperties(List<Provider> providers) {

    public ProviderProperties {
        providers = providers == null ? List.of() : List.copyOf(providers);
    }

    /** Wire formats Reelay speaks. */
    public enum Format { OPENAI_VIDEOS, RELAY_MULTIPART }

    /**
     * One provider. {@code baseUrl} may be {@code local:/path} for the in-process sandbox. {@code maxRequestsPerMinute}
     * (none by default) caps the calls to it from all nodes together (ADR 0012).
     */
    public record Provider(String id, Format format, String baseUrl, String apiKey, Path apiKeyFile, int priority,
                           List<String> models, Boolean idempotencyKeys, boolean webhooks, String webhookSecret,
                           Duration pollInitial, Duration pollMin, Duration pollMax, Duration webhookSafetyPoll,
                           Duration giveUpAfter, Duration submitBudget, Duration connectTimeout, Duration readTimeout,
                           Integer maxRequestsPerMinute) {

        public Provider {
            if (id == null || !id.matches("[a-z0-9][a-z0-9-]{0,62}")) {
                throw new IllegalArgumentException("provider id must be lowercase letters, digits and dashes");
            }
            if (format == null || baseUrl == null) {
                throw new IllegalArgumentException("provider " + id + " needs a format and a base-url");
            }
            if (maxRequestsPerMinute != null && (maxRequestsPerMinute < 1 || maxRequestsPerMinute > 60_000)) {
                throw new IllegalArgumentException("provider " + id + ": max-requests-per-minute must be 1-60000");
            }
            models = models == null ? List.of() : List.copyOf(models);
            idempotencyKeys = idempotencyKeys == null ? format == Format.OPENAI_VIDEOS : idempotencyKeys;
            pollInitial = or(pollInitial, Duration.ofSeconds(5));
            pollMin = or(pollMin, Duration.ofSeconds(2));
            pollMax = or(pollMax, Duration.ofSeconds(30));
            // a safety poll is for a lost webhook; sooner than a typical job (~3 min) it costs calls on every job
            webhookSafetyPoll = or(webhookSafetyPoll, Duration.ofMinutes(5));
            giveUpAfter = or(giveUpAfter, Duration.ofMinutes(30));
            submitBudget = or(submitBudget, Duration.ofMinutes(2));
            connectTimeout = or(connectTimeout, Duration.ofSeconds(5));
            readTimeout = or(readTimeout, Duration.ofSeconds(30));
        }

        /** The key from {@code api-key} (usually an env placeholder) or the first line of {@code api-key-file}. */
        public String resolvedApiKey() {
            if (apiKeyFile != null) {
                try {
                    return Files.readString(apiKeyFile).strip();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the api key file of provider " + id, e);
                }
            }
            return apiKey == null ? "" : apiKey;
        }

        private static Duration or(Duration value, Duration fallback) {
            return value == null ? fallback : value;
        }

        @Override
        public String toString() {
            return "Provider[id=" + id + ", format=" + format + ", baseUrl=" + baseUrl + ", apiKey=***, webhookSecret="
                    + (webhookSecret == null ? "none" : "***") + ", priority=" + priority + ", models=" + models + "]";
        }
    }
}
