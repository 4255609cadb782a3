package dev.reelay.infra.provider;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.port.PromptAssistant;
import dev.reelay.command.upstream.RetryBackoff;
import dev.reelay.command.upstream.UpstreamException;
import dev.reelay.infra.llm.LlmProperties;
import dev.reelay.infra.secrets.ApiKeys;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The prompt assistant's upstream: {@code POST <base-url>/chat/completions} of any OpenAI-compatible server, on the
 * providers' HTTP path ({@link HttpExchange}: timeouts, error classes, {@code Retry-After}, key redaction; retries by
 * {@link RetryBackoff}). The base URL passes the SSRF guard before every call. A chat call that timed out is not sent
 * again: it may have been answered and billed.
 */
@Component
class ChatCompletionsAssistant implements PromptAssistant {

    private final LlmProperties settings;
    private final HttpExchange http;
    private final RetryBackoff retries;
    private final OutboundUrlGuard guard;
    private final String baseUrl;

    ChatCompletionsAssistant(LlmProperties settings, WebClient.Builder webClients, ObjectMapper json, Clock clock,
                             ApiKeys keys, RetryBackoff retries, OutboundUrlGuard guard) {
        this.settings = settings;
        this.retries = retries;
        this.guard = guard;
        this.baseUrl = settings.baseUrl().endsWith("/")
                ? settings.baseUrl().substring(0, settings.baseUrl().length() - 1) : settings.baseUrl();
        // the call log of the assistant is one row per call (prompt_call), written by the route; attempts are counted
        this.http = new HttpExchange("llm", settings.connectTimeout(), settings.readTimeout(), () -> baseUrl,
                keys.ref(ApiKeys.LLM, settings.apiKey()), webClients, call -> { }, json, clock, null, null, null);
    }

    @Override
    public Optional<String> model() {
        return settings.configured() ? Optional.of(settings.model()) : Optional.empty();
    }

    @Override
    public int maxTokens() {
        return settings.maxTokens();
    }

    @Override
    public List<Message> messages(Mode mode, String language, String prompt) {
        LlmProperties.SystemPrompts prompts = settings.systemPrompts();
        String system = switch (mode) {
            case ENHANCE -> prompts.enhance();
            case TRANSLATE -> prompts.translate().replace("{language}", language == null ? "English" : language);
            case SHORTEN -> prompts.shorten();
        };
        return List.of(new Message("system", system), new Message("user", prompt));
    }

    /** The request body; {@code max_tokens} is understood by every OpenAI-compatible server. */
    record ChatRequest(String model, List<Message> messages, @JsonProperty("max_tokens") int maxTokens) {
    }

    private record Answer(List<String> suggestions, Long promptTokens, Long completionTokens, int status) {
    }

    @Override
    public Exchange complete(List<Message> messages) {
        Optional<String> refusal = guard.refusal(baseUrl);
        if (refusal.isPresent()) {
            return new Exchange(messages, List.of(), null, null, null, 0,
                    "the LLM base URL is refused by the outbound guard: " + refusal.get(), null);
        }
        AtomicInteger attempts = new AtomicInteger();
        AtomicReference<Duration> retryAfter = new AtomicReference<>();
        ChatRequest body = new ChatRequest(settings.model(), messages, settings.maxTokens());
        String summary = "{\"model\":" + http.toJson(settings.model()) + ",\"messages\":" + messages.size() + "}";
        try {
            Answer answer = reactor.core.publisher.Mono.defer(() -> http.<Answer>call("chat", null,
                            attempts.incrementAndGet(), HttpMethod.POST, HttpExchange.Path.of("/chat/completions"),
                            h -> {
                                String key = http.key();
                                if (key != null && !key.isEmpty()) {
                                    h.setBearerAuth(key);
                                }
                                h.setAccept(List.of(MediaType.APPLICATION_JSON));
                            },
                            req -> req.contentType(MediaType.APPLICATION_JSON).bodyValue(body), summary,
                            this::answer, a -> "")
                            .doOnError(e -> retryAfter.set(UpstreamException.of(e).retryAfter())))
                    .retryWhen(retries.forProvider(false))
                    .block();
            return new Exchange(messages, answer.suggestions(), answer.promptTokens(), answer.completionTokens(),
                    answer.status(), attempts.get(), null, null);
        } catch (RuntimeException e) {
            UpstreamException failure = UpstreamException.of(reactor.core.Exceptions.unwrap(e));
            return new Exchange(messages, List.of(), null, null, failure.httpStatus() == 0 ? null : failure.httpStatus(),
                    attempts.get(), http.redact(failure.getMessage()), retryAfter.get());
        }
    }

    /** {@code choices[*].message.content} are the suggestions; {@code usage} is optional. */
    private Answer answer(HttpExchange.Answer raw) {
        JsonNode root = http.parse(raw.body());
        JsonNode choices = root.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty()) {
            throw new IllegalArgumentException("no choices");
        }
        List<String> suggestions = new ArrayList<>();
        for (JsonNode choice : choices) {
            JsonNode content = choice.path("message").get("content");
            if (content == null || !content.isTextual()) {
                throw new IllegalArgumentException("a choice without text");
            }
            suggestions.add(http.redact(content.asText().strip()));
        }
        JsonNode usage = root.get("usage");
        return new Answer(suggestions, count(usage, "prompt_tokens"), count(usage, "completion_tokens"), raw.status());
    }

    /** A token count the model reported: a whole number from 0 up, else none (the call then costs its hold). */
    private static Long count(JsonNode usage, String field) {
        JsonNode value = usage == null ? null : usage.get(field);
        return value != null && value.isIntegralNumber() && value.canConvertToLong() && value.asLong() >= 0
                ? value.asLong() : null;
    }
}
