package dev.reelay.infra.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.kernel.task.FieldViolation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.Jackson2ObjectMapperBuilder;

import java.math.BigDecimal;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The error records write the very bytes the earlier representations did (Spring's {@code ProblemDetail} with
 * properties, and an ordered map for the OpenAI envelope), with the node's mapper settings (non-null inclusion).
 */
class ErrorBodyWireShapeTest {

    private final ObjectMapper json = Jackson2ObjectMapperBuilder.json()
            .serializationInclusion(JsonInclude.Include.NON_NULL).build();
    private final ProblemWriter problems = new ProblemWriter(json);

    @AfterEach
    void clearTrace() {
        MDC.remove(TraceContextFilter.REQUEST_TRACE_ID);
    }

    @Test
    void aProblemWithFieldsAndATraceIsWrittenAsProblemDetailWroteIt() throws Exception {
        MDC.put(TraceContextFilter.REQUEST_TRACE_ID, "4bf92f3577b34da6a3ce929d0e0e4736");
        List<FieldViolation> errors = List.of(new FieldViolation("prompt", "REQUIRED", "prompt is required"));

        Problem problem = problems.problem(HttpStatus.UNPROCESSABLE_ENTITY, "VALIDATION_FAILED", "bad", errors,
                "/api/video/tasks");

        ProblemDetail before = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_ENTITY, "bad");
        before.setType(URI.create("https://reelay.dev/problems/validation-failed"));
        before.setTitle("Unprocessable Entity");
        before.setInstance(URI.create("/api/video/tasks"));
        before.setProperty("code", "VALIDATION_FAILED");
        before.setProperty("errors", errors);
        before.setProperty("traceId", "4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(json.writeValueAsString(problem)).isEqualTo(json.writeValueAsString(before));
    }

    @Test
    void aProblemWithoutFieldsTraceOrUsableInstanceLeavesThemOut() throws Exception {
        Problem problem = problems.problem(HttpStatus.NOT_FOUND, "NOT_FOUND", "No such resource", List.of(), "bad path");

        assertThat(json.writeValueAsString(problem)).isEqualTo("{\"type\":\"https://reelay.dev/problems/not-found\","
                + "\"title\":\"Not Found\",\"status\":404,\"detail\":\"No such resource\",\"code\":\"NOT_FOUND\"}");
    }

    @Test
    void aQuotaProblemEndsWithWhenItResetsAndTheAmounts() throws Exception {
        Problem problem = problems.problem(HttpStatus.TOO_MANY_REQUESTS, "QUOTA_EXCEEDED", "over", List.of(), "/api/x")
                .with(new Problem.Quota("2026-12-03T00:00:00Z", new BigDecimal("60"), new BigDecimal("52.5"),
                        new BigDecimal("10")));

        ProblemDetail before = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, "over");
        before.setType(URI.create("https://reelay.dev/problems/quota-exceeded"));
        before.setTitle("Too Many Requests");
        before.setInstance(URI.create("/api/x"));
        before.setProperty("code", "QUOTA_EXCEEDED");
        before.setProperty("resetsAt", "2026-12-03T00:00:00Z");
        before.setProperty("limit", new BigDecimal("60"));
        before.setProperty("used", new BigDecimal("52.5"));
        before.setProperty("requested", new BigDecimal("10"));
        assertThat(json.writeValueAsString(problem)).isEqualTo(json.writeValueAsString(before));
    }

    @Test
    void theOpenAiEnvelopeKeepsItsMemberOrderAndLeavesOutAMissingParam() throws Exception {
        ErrorBody withParam = problems.body(HttpStatus.BAD_REQUEST, "MALFORMED_REQUEST", "bad size",
                List.of(new FieldViolation("size", "ENUM", "bad size")), "/v1/videos");
        ErrorBody withoutParam = problems.body(HttpStatus.UNAUTHORIZED, "UNAUTHENTICATED", "no token", List.of(),
                "/v1/videos");

        assertThat(json.writeValueAsString(withParam)).isEqualTo(json.writeValueAsString(envelope(
                "bad size", "invalid_request_error", "size", "malformed_request")));
        assertThat(json.writeValueAsString(withoutParam)).isEqualTo(json.writeValueAsString(envelope(
                "no token", "authentication_error", null, "unauthenticated")))
                .isEqualTo("{\"error\":{\"message\":\"no token\",\"type\":\"authentication_error\","
                        + "\"code\":\"unauthenticated\"}}");
    }

    private static Map<String, Object> envelope(String message, String type, String param, String code) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return Map.of("error", error);
    }
}
