package dev.reelay.command.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.command.account.TokenLedger;
import dev.reelay.command.port.PromptAssistant;
import dev.reelay.command.port.PromptAssistant.Mode;
import dev.reelay.command.port.PromptCallLog;
import dev.reelay.kernel.account.Owner;
import dev.reelay.kernel.api.SeedEnvelope;
import dev.reelay.kernel.event.AuditMetaData;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.FieldViolation;
import dev.reelay.kernel.task.RetryLaterException;
import dev.reelay.kernel.task.TaskRejectedException;
import org.slf4j.MDC;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The prompt assistant: rewrites a prompt (enhance, translate, shorten) through the configured chat model. The prompt
 * follows a task prompt's rules; the call holds tokens of the caller's quota before it goes out, is logged (ADR 0013)
 * and then captures what the model reported, or releases the hold when it failed. No transaction spans the HTTP call.
 */
@RestController
class PromptAssistController {

    /** A language name or tag: "French", "zh-CN", "Brazilian Portuguese". */
    private static final Pattern LANGUAGE = Pattern.compile("[\\p{L}][\\p{L} -]{0,34}");

    private final TaskRequestValidator validator;
    private final PromptAssistant assistant;
    private final PromptCallLog callLog;
    private final TokenLedger ledger;
    private final ObjectMapper json;
    private final Clock clock;

    PromptAssistController(TaskRequestValidator validator, PromptAssistant assistant, PromptCallLog callLog,
                           TokenLedger ledger, ObjectMapper json, Clock clock) {
        this.validator = validator;
        this.assistant = assistant;
        this.callLog = callLog;
        this.ledger = ledger;
        this.json = json;
        this.clock = clock;
    }

    record Usage(long promptTokens, long completionTokens) {
    }

    /** {@code callId} names the call in {@code /api/prompt/calls}. */
    record AssistResponse(String callId, List<String> suggestions, Usage usage) {
    }

    @PostMapping(path = "/api/prompt/assist", consumes = MediaType.APPLICATION_JSON_VALUE)
    SeedEnvelope<AssistResponse> assist(@RequestBody JsonNode body, Owner caller) {
        long started = clock.millis();
        JsonBodies.object(body);
        Mode mode = mode(body.get("mode"));
        String language = language(body.get("language"), mode);
        String prompt = validator.validPrompt(body.get("prompt"));
        String model = assistant.model().orElseThrow(() -> new TaskRejectedException(ErrorCode.LLM_NOT_CONFIGURED,
                "the prompt assistant is not configured: set reelay.llm.base-url and reelay.llm.model"));
        List<PromptAssistant.Message> messages = assistant.messages(mode, language, prompt);
        String callId = UUID.randomUUID().toString();
        Instant calledAt = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS); // as stored: the digest is recomputable
        long promptEstimate = promptEstimate(messages);
        ledger.hold(caller.value(), callId, model, promptEstimate + assistant.maxTokens(), calledAt);

        PromptAssistant.Exchange exchange = assistant.complete(messages);
        boolean used = exchange.succeeded();
        Optional<TokenLedger.TokenUsage> usage = Optional.empty();
        if (used) { // an answer without usage costs what was held: the most it could have used
            usage = Optional.of(exchange.promptTokens() == null && exchange.completionTokens() == null
                    ? new TokenLedger.TokenUsage(promptEstimate, assistant.maxTokens())
                    : new TokenLedger.TokenUsage(orZero(exchange.promptTokens()), orZero(exchange.completionTokens())));
        }
        String digest = callLog.record(new PromptCallLog.PromptCall(callId, caller.value(), mode.name().toLowerCase(Locale.ROOT),
                language, model, toJson(exchange.messages()), used ? String.join("\n\n", exchange.suggestions()) : null,
                used ? "success" : "error", exchange.httpStatus(), exchange.error(), exchange.promptTokens(),
                exchange.completionTokens(), exchange.attempts(), clock.millis() - calledAt.toEpochMilli(),
                MDC.get(AuditMetaData.REQUEST_TRACE_ID_LOG_KEY), calledAt));
        ledger.settle(caller.value(), callId, usage, digest, clock.instant());
        if (!used) {
            String detail = "the prompt assistant's model did not answer: " + exchange.error();
            throw exchange.retryAfter() != null
                    ? new RetryLaterException(ErrorCode.LLM_UNAVAILABLE, detail, exchange.retryAfter())
                    : new TaskRejectedException(ErrorCode.LLM_UNAVAILABLE, detail);
        }
        return SeedEnvelope.of(new AssistResponse(callId, exchange.suggestions(),
                new Usage(usage.get().promptTokens(), usage.get().completionTokens())), clock.millis() - started);
    }

    /**
     * The prompt side of what a call may use: the messages at three characters a token (tokenizers average about four
     * on English, fewer on other scripts). The hold adds the completion cap; the capture is what the model reports.
     */
    private static long promptEstimate(List<PromptAssistant.Message> messages) {
        long chars = messages.stream().mapToLong(m -> m.content().length()).sum();
        return (chars + 2) / 3;
    }

    private static Mode mode(JsonNode node) {
        if (node == null || node.isNull()) {
            throw TaskRejectedException.invalidField("mode", "REQUIRED", "mode is required: enhance, translate or shorten");
        }
        if (node.isTextual()) {
            for (Mode mode : Mode.values()) {
                if (mode.name().equalsIgnoreCase(node.asText())) {
                    return mode;
                }
            }
        }
        throw TaskRejectedException.invalidField("mode", "UNKNOWN_MODE", "mode must be enhance, translate or shorten");
    }

    private static String language(JsonNode node, Mode mode) {
        if (node == null || node.isNull()) {
            if (mode == Mode.TRANSLATE) {
                throw TaskRejectedException.invalidField("language", "REQUIRED", "translate needs a target language");
            }
            return null;
        }
        if (!node.isTextual() || !LANGUAGE.matcher(node.asText().strip()).matches()) {
            throw new TaskRejectedException(ErrorCode.VALIDATION_FAILED, "language must be a language name or tag",
                    List.of(new FieldViolation("language", "INVALID_LANGUAGE",
                            "language must be a language name or tag of letters, spaces and dashes (at most 35)")));
        }
        return node.asText().strip();
    }

    private static long orZero(Long value) {
        return value == null ? 0 : value;
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
