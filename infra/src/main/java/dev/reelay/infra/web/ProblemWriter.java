package dev.reelay.infra.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reelay.kernel.task.FieldViolation;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/** Builds RFC 9457 problem details the same way for MVC handlers and for servlet filters (401, 403, 413). */
@Component
public class ProblemWriter {

    private static final String TYPE_BASE = "https://reelay.dev/problems/";

    private final ObjectMapper objectMapper;

    public ProblemWriter(ObjectMapper objectMapper) {
        this.objectMapper = objectMapper;
    }

    public Problem problem(HttpStatusCode status, String code, String detail, List<FieldViolation> errors,
                           String instance) {
        HttpStatus known = HttpStatus.resolve(status.value());
        return new Problem(URI.create(TYPE_BASE + code.toLowerCase(Locale.ROOT).replace('_', '-')),
                known == null ? "Error" : known.getReasonPhrase(), status.value(), detail, instanceUri(instance), code,
                errors == null || errors.isEmpty() ? null : List.copyOf(errors), MDC.get(TraceContextFilter.REQUEST_TRACE_ID), null);
    }

    public void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String code,
                      String detail) throws IOException {
        write(response, status, code, detail, request.getRequestURI());
    }

    /** Writes the error for {@code path} (the route the client asked for, which an error dispatch no longer is). */
    public void write(HttpServletResponse response, HttpStatusCode status, String code, String detail, String path)
            throws IOException {
        write(response, status, code, detail, List.of(), path);
    }

    /** The same, naming the fields at fault. */
    public void write(HttpServletResponse response, HttpStatusCode status, String code, String detail,
                      List<FieldViolation> errors, String path) throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.setStatus(status.value());
        response.setContentType(contentType(path).toString());
        objectMapper.writeValue(response.getOutputStream(), body(status, code, detail, errors, path));
    }

    /** The body as JSON text, for writers that are not a servlet response (Tomcat's error report valve). */
    public String json(HttpStatusCode status, String code, String detail, String path) {
        try {
            return objectMapper.writeValueAsString(body(status, code, detail, List.of(), path));
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a problem", e);
        }
    }

    /**
     * The stable code for a status the application did not choose itself (Spring MVC, the servlet container).
     * Typed rejections carry their own {@code ErrorCode} instead.
     */
    public static String codeFor(int status) {
        return switch (status) {
            case 400 -> "MALFORMED_REQUEST";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "FORBIDDEN";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 406 -> "NOT_ACCEPTABLE";
            case 408 -> "REQUEST_TIMEOUT";
            case 413 -> "PAYLOAD_TOO_LARGE";
            case 414 -> "URI_TOO_LONG";
            case 415 -> "UNSUPPORTED_MEDIA_TYPE";
            case 416 -> "RANGE_NOT_SATISFIABLE";
            case 429 -> "RATE_LIMITED";
            case 431 -> "HEADERS_TOO_LARGE";
            case 503 -> "SERVICE_UNAVAILABLE";
            default -> status >= 400 && status < 500 ? "MALFORMED_REQUEST" : "INTERNAL_ERROR";
        };
    }

    /** A client-facing sentence for a container or framework status; never the container's own message. */
    public static String detailFor(int status) {
        return switch (status) {
            case 400 -> "The request could not be read: malformed request line, headers, URL or body";
            case 404 -> "No such resource";
            case 405 -> "This method is not allowed here";
            case 408 -> "The request did not arrive in time";
            case 413 -> "The request is too large";
            case 414 -> "The request URL is too long";
            case 431 -> "The request headers are too large";
            default -> status >= 500 ? "Something went wrong on our side; quote the traceId when reporting it"
                    : "The request cannot be served";
        };
    }

    /** The instance member only for a path that is a valid URI reference: a malformed request URL is not echoed. */
    private static URI instanceUri(String path) {
        if (path == null || path.isEmpty() || path.length() > 2048) {
            return null;
        }
        try {
            URI uri = new URI(path);
            return uri.getRawPath() != null && uri.getRawPath().startsWith("/") && uri.getHost() == null ? uri : null;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** {@code /v1/**} speaks the OpenAI API, so its errors use OpenAI's envelope; everything else RFC 9457. */
    public static boolean isOpenAi(String path) {
        return path != null && (path.equals("/v1") || path.startsWith("/v1/"));
    }

    public MediaType contentType(String path) {
        return isOpenAi(path) ? MediaType.APPLICATION_JSON : MediaType.APPLICATION_PROBLEM_JSON;
    }

    public ErrorBody body(HttpStatusCode status, String code, String detail, List<FieldViolation> errors, String path) {
        if (!isOpenAi(path)) {
            return problem(status, code, detail, errors, path);
        }
        String type = switch (status.value()) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_error";
            default -> status.is5xxServerError() ? "server_error" : "invalid_request_error";
        };
        return OpenAiError.of(detail, type, errors == null || errors.isEmpty() ? null : errors.get(0).field(),
                code.toLowerCase(Locale.ROOT));
    }
}
