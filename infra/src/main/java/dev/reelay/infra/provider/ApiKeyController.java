package dev.reelay.infra.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reelay.infra.llm.LlmProperties;
import dev.reelay.infra.secrets.ApiKeys;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.TaskRejectedException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Admin: upstream keys set at run time, and where each upstream's key comes from now. Keys go in, fingerprints come
 * out: no answer ever holds a key ({@code /api/admin/**} is admin-only).
 */
@RestController
class ApiKeyController {

    private final ApiKeys keys;
    private final ProviderProperties providers;
    private final LlmProperties llm;
    private final Clock clock;

    ApiKeyController(ApiKeys keys, ProviderProperties providers, LlmProperties llm, Clock clock) {
        this.keys = keys;
        this.providers = providers;
        this.llm = llm;
        this.clock = clock;
    }

    /**
     * One upstream's key as an admin may see it: {@code keySource} env (the configured {@code api-key}, usually an
     * env placeholder), file ({@code api-key-file}) or managed (set here); the fingerprint is the first 8 hex digits
     * of the key's SHA-256 (null without a key); {@code keyUpdatedAt}/{@code keyUpdatedBy} only for a managed key.
     */
    record UpstreamKey(String id, String format, String keySource, String keyFingerprint, Instant keyUpdatedAt,
                       String keyUpdatedBy) {
    }

    @GetMapping("/api/admin/providers")
    SeedEnvelope<List<UpstreamKey>> list() {
        long started = clock.millis();
        List<UpstreamKey> rows = new ArrayList<>();
        for (ProviderProperties.Provider provider : providers.providers()) {
            rows.add(view(provider.id(), provider.format().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    ApiKeys.providerScope(provider.id()), provider.apiKeyFile() != null ? "file" : "env",
                    provider.resolvedApiKey()));
        }
        return SeedEnvelope.of(rows, clock.millis() - started);
    }

    @PutMapping(path = "/api/admin/providers/{id}/api-key", consumes = MediaType.APPLICATION_JSON_VALUE)
    SeedEnvelope<UpstreamKey> setProviderKey(@PathVariable String id, @RequestBody JsonNode body, Owner caller) {
        long started = clock.millis();
        ProviderProperties.Provider provider = providers.providers().stream().filter(p -> p.id().equals(id)).findFirst()
                .orElseThrow(() -> new TaskRejectedException(ErrorCode.PROVIDER_NOT_FOUND, "no provider "
                        + dev.reelay.kernel.text.VisibleText.abbreviate(id, 64) + " is configured"));
        String scope = ApiKeys.providerScope(provider.id());
        keys.set(scope, apiKey(body), caller.value());
        return SeedEnvelope.of(view(provider.id(), provider.format().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                scope, provider.apiKeyFile() != null ? "file" : "env", ""), clock.millis() - started);
    }

    @GetMapping("/api/admin/llm")
    SeedEnvelope<UpstreamKey> llm() {
        long started = clock.millis();
        return SeedEnvelope.of(view(ApiKeys.LLM, "openai-chat", ApiKeys.LLM, "env", llm.apiKey()), clock.millis() - started);
    }

    @PutMapping(path = "/api/admin/llm/api-key", consumes = MediaType.APPLICATION_JSON_VALUE)
    SeedEnvelope<UpstreamKey> setLlmKey(@RequestBody JsonNode body, Owner caller) {
        long started = clock.millis();
        keys.set(ApiKeys.LLM, apiKey(body), caller.value());
        return SeedEnvelope.of(view(ApiKeys.LLM, "openai-chat", ApiKeys.LLM, "env", llm.apiKey()),
                clock.millis() - started);
    }

    private UpstreamKey view(String id, String format, String scope, String configuredSource, String configuredKey) {
        return keys.managed(scope)
                .map(m -> new UpstreamKey(id, format, "managed", m.fingerprint(), m.updatedAt(), m.updatedBy()))
                .orElseGet(() -> new UpstreamKey(id, format, configuredSource,
                        configuredKey == null || configuredKey.isEmpty() ? null : ApiKeys.fingerprint(configuredKey),
                        null, null));
    }

    private static String apiKey(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new TaskRejectedException(ErrorCode.MALFORMED_REQUEST, "The request body must be a JSON object");
        }
        JsonNode key = body.get("apiKey");
        if (key == null || key.isNull()) {
            throw TaskRejectedException.invalidField("apiKey", "REQUIRED", "apiKey is required");
        }
        if (!key.isTextual()) {
            throw TaskRejectedException.invalidField("apiKey", "TYPE", "apiKey must be a string");
        }
        return key.asText();
    }
}
