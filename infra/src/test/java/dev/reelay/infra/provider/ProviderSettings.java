package dev.reelay.infra.provider;

import org.springframework.test.context.DynamicPropertyRegistry;

/** The settings the provider tests (and the archive's) share: no sandbox, quick retries, providers that poll fast. */
public final class ProviderSettings {

    private ProviderSettings() {
    }

    /** No sandbox, no copy-on-complete (the fakes count every request), retries 100 ms apart, {@code attempts} each. */
    static void quickRetries(DynamicPropertyRegistry registry, int attempts) {
        registry.add("reelay.sandbox.enabled", () -> "false");
        registry.add("reelay.content.archive-on-complete", () -> "false");
        registry.add("reelay.upstream.first-backoff", () -> "100ms");
        registry.add("reelay.upstream.max-backoff", () -> "500ms");
        registry.add("reelay.upstream.attempts-per-provider", () -> String.valueOf(attempts));
    }

    /** Provider {@code index}: polled every half second, a 2 s read timeout. */
    public static void provider(DynamicPropertyRegistry registry, int index, String id, String format, String baseUrl, String key,
                         int priority) {
        String p = "reelay.providers[" + index + "].";
        registry.add(p + "id", () -> id);
        registry.add(p + "format", () -> format);
        registry.add(p + "base-url", () -> baseUrl);
        registry.add(p + "api-key", () -> key);
        registry.add(p + "priority", () -> String.valueOf(priority));
        registry.add(p + "poll-initial", () -> "500ms");
        registry.add(p + "poll-min", () -> "500ms");
        registry.add(p + "poll-max", () -> "1s");
        registry.add(p + "read-timeout", () -> "2s");
    }
}
