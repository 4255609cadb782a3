package dev.reelay.command.port;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** An OpenAI-compatible chat model that rewrites prompts; its HTTP path (retries, timeouts, redaction) is infra's. */
public interface PromptAssistant {

    /** What the assistant does with a prompt. */
    enum Mode { ENHANCE, TRANSLATE, SHORTEN }

    /** One chat message as sent. */
    record Message(String role, String content) {
    }

    /**
     * How a call went: the messages sent, and either the suggestions with the usage the model reported (usage may be
     * absent) or an error that is safe to store; {@code retryAfter} is the upstream's last {@code Retry-After}.
     */
    record Exchange(List<Message> messages, List<String> suggestions, Long promptTokens, Long completionTokens,
                    Integer httpStatus, int attempts, String error, Duration retryAfter) {

        public boolean succeeded() {
            return error == null;
        }
    }

    /** The model that answers; empty when no upstream is configured. */
    Optional<String> model();

    /** The most completion tokens one call may use (the call asks for no more). */
    int maxTokens();

    /** The messages a call would send for this prompt (the configured system prompt of the mode first). */
    List<Message> messages(Mode mode, String language, String prompt);

    /** Sends the messages, blocking until the answer, the last retry or the timeout; never throws for upstream trouble. */
    Exchange complete(List<Message> messages);
}
