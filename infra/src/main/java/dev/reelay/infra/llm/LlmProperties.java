package dev.reelay.infra.llm;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code reelay.llm}: the prompt assistant's OpenAI-compatible chat-completions upstream (OpenAI, a LiteLLM or
 * new-api relay, a local vLLM). Without {@code base-url} and {@code model} the assistant answers 503. The key may be
 * empty (a local server); an admin can set one at run time ({@code PUT /api/admin/llm/api-key}).
 *
 * @param maxTokens     the completion cap of one call; a call holds it (plus its prompt's estimate) of the quota
 * @param systemPrompts the system message of each mode; {@code {language}} in the translate prompt is the target
 */
@Validated
@ConfigurationProperties("reelay.llm")
public record LlmProperties(@DefaultValue("") String baseUrl,
                            @DefaultValue("") String model,
                            @DefaultValue("") String apiKey,
                            @DefaultValue("1024") @Min(1) @Max(100000) int maxTokens,
                            @DefaultValue("5s") @NotNull @DurationMin(millis = 1) Duration connectTimeout,
                            @DefaultValue("60s") @NotNull @DurationMin(millis = 1) Duration readTimeout,
                            @Valid @NotNull @DefaultValue SystemPrompts systemPrompts) {

    public boolean configured() {
        return !baseUrl.isBlank() && !model.isBlank();
    }

    /** The system message per mode. */
    public record SystemPrompts(
            @NotBlank @DefaultValue("You improve prompts for an AI video generator. Rewrite the user's prompt with "
                    + "concrete cinematic detail (subject, setting, lighting, camera movement and lens, mood, style), "
                    + "keeping its intent and its language. Answer with the rewritten prompt only.") String enhance,
            @NotBlank @DefaultValue("You translate prompts for an AI video generator into {language}. Keep every "
                    + "visual detail and the meaning; add nothing, drop nothing. Answer with the translation only.")
            String translate,
            @NotBlank @DefaultValue("You shorten prompts for an AI video generator. Keep the subject, action, setting "
                    + "and style; drop repetition and filler. Answer with the shortened prompt only.") String shorten) {
    }

    @Override
    public String toString() {
        return "LlmProperties[baseUrl=" + baseUrl + ", model=" + model + ", apiKey=" + (apiKey.isEmpty() ? "none" : "***")
                + ", maxTokens=" + maxTokens + "]";
    }
}
