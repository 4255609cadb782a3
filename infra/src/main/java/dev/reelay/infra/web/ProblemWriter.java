package dev.reelay.infra.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.kernel.task.FieldViolation;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/** Builds RFC 9457 problem details the same way for MVC handlers and for servlet filters (401, 403, 413). */
@Component
public class ProblemWriter {

    private static final String TYPE_BASE = "https://reelay.dev/problems/";

    private final ObjectMapper objectMapper;

    public ProblemWriter(ObjectMapper objectMapper) {
        this.objectMapper = objectMapper;
    }

    public ProblemDetail problem(HttpStatusCode status, String code, String detail, List<FieldViolation> errors,
                                 String instance) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPE_BASE + code.toLowerCase(Locale.ROOT).replace('_', '-')));
        HttpStatus known = HttpStatus.resolve(status.value());
        problem.setTitle(known == null ? "Error" : known.getReasonPhrase());
        if (instance != null) {
            problem.setInstance(URI.create(instance));
        }
        problem.setProperty("code", code);
        if (errors != null && !errors.isEmpty()) {
            problem.setProperty("errors", errors);
        }
        String traceId = MDC.get(TraceContextFilter.TRACE_ID);
        if (traceId != null) {
            problem.setProperty("traceId", traceId);
        }
        return problem;
    }

    public void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String code,
                      String detail) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.setStatus(status.value());
        boolean openAi = isOpenAi(request.getRequestURI());
        response.setContentType(openAi ? MediaType.APPLICATION_JSON_VALUE : MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        objectMapper.writeValue(response.getOutputStream(),
                body(status, code, detail, List.of(), request.getRequestURI()));
    }

    /** {@code /v1/**} speaks the OpenAI API, so its errors use OpenAI's envelope; everything else RFC 9457. */
    public static boolean isOpenAi(String path) {
        return path != null && (path.equals("/v1") || path.startsWith("/v1/"));
    }

    public MediaType contentType(String path) {
        return isOpenAi(path) ? MediaType.APPLICATION_JSON : MediaType.APPLICATION_PROBLEM_JSON;
    }

    public Object body(HttpStatusCode status, String code, String detail, List<FieldViolation> errors, String path) {
        if (!isOpenAi(path)) {
            return problem(status, code, detail, errors, path);
        }
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", detail);
        error.put("type", switch (status.value()) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_error";
            default -> status.is5xxServerError() ? "server_error" : "invalid_request_error";
        });
        error.put("param", errors == null || errors.isEmpty() ? null : errors.get(0).field());
        error.put("code", code.toLowerCase(java.util.Locale.ROOT));
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("error", error);
        return envelope;
    }
}
