package dev.reelay.infra.llm;

import dev.reelay.command.port.PromptCallLog;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.util.HexFormat;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes the prompt assistant's call log (ADR 0013) before the call's tokens are settled, so the settlement event can
 * carry the row's digest: SHA-256 over the row's fields in column order, each as text ({@code ""} for null, instants
 * as ISO-8601), joined by U+001F.
 */
@Component
class JdbcPromptCallLog implements PromptCallLog {

    private final JdbcTemplate jdbc;

    JdbcPromptCallLog(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public String record(PromptCall call) {
        String digest = digest(call);
        jdbc.update("insert into prompt_call (id, owner, mode, language, model, request_messages, response_text, status, "
                        + "http_status, error, prompt_tokens, completion_tokens, attempts, duration_ms, trace_id, called_at, "
                        + "digest) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                call.id(), call.owner(), call.mode(), call.language(), call.model(), call.requestMessages(),
                call.responseText(), call.status(), call.httpStatus(), call.error(), call.promptTokens(),
                call.completionTokens(), call.attempts(), call.durationMs(), call.traceId(),
                Timestamp.from(call.calledAt()), digest);
        return digest;
    }

    static String digest(PromptCall call) {
        String canonical = Stream.of(call.id(), call.owner(), call.mode(), call.language(), call.model(),
                        call.requestMessages(), call.responseText(), call.status(), call.httpStatus(), call.error(),
                        call.promptTokens(), call.completionTokens(), call.attempts(), call.durationMs(), call.traceId(),
                        call.calledAt())
                .map(value -> Objects.toString(value, ""))
                .collect(Collectors.joining("\u001f"));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
