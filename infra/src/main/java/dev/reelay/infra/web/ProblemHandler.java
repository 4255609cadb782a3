package dev.reelay.infra.web;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.reelay.kernel.task.ErrorCode;
import dev.reelay.kernel.task.QuotaExceededException;
import dev.reelay.kernel.task.RangeNotSatisfiableException;
import dev.reelay.kernel.task.RetryLaterException;
import dev.reelay.kernel.task.FieldViolation;
import dev.reelay.kernel.task.TaskRejectedException;
import jakarta.servlet.http.HttpServletRequest;
import org.axonframework.commandhandling.CommandExecutionException;
import org.axonframework.commandhandling.NoHandlerForCommandException;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.apache.tomcat.util.http.fileupload.impl.SizeException;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Every error leaves as RFC 9457 problem+json with a stable {@code code}; rejections map by their typed
 * {@link ErrorCode}, never by message text. Nothing a client can send produces a 5xx.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

    private final ProblemWriter problems;
    private final Clock clock;

    ProblemHandler(ProblemWriter problems, Clock clock) {
        this.problems = problems;
        this.clock = clock;
    }

    static HttpStatus statusOf(ErrorCode code) {
        return switch (code) {
            case TASK_NOT_FOUND -> HttpStatus.NOT_FOUND;
            case TASK_ALREADY_EXISTS, TASK_ALREADY_TERMINAL, REMIX_SOURCE_NOT_COMPLETED, INVALID_TRANSITION,
                 IDEMPOTENCY_KEY_IN_USE, CONCURRENT_UPDATE -> HttpStatus.CONFLICT;
            case VALIDATION_FAILED, IDEMPOTENCY_KEY_REUSED -> HttpStatus.UNPROCESSABLE_ENTITY;
            case MALFORMED_REQUEST -> HttpStatus.BAD_REQUEST;
            case QUOTA_EXCEEDED, TOO_MANY_STREAMS, TOO_MANY_STREAM_TICKETS, REPLAY_BUSY -> HttpStatus.TOO_MANY_REQUESTS;
            case SIGNED_URL_INVALID -> HttpStatus.FORBIDDEN;
            case PAYLOAD_TOO_LARGE -> HttpStatus.PAYLOAD_TOO_LARGE;
            case UNSUPPORTED_MEDIA_TYPE -> HttpStatus.UNSUPPORTED_MEDIA_TYPE;
            case RANGE_NOT_SATISFIABLE -> HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE;
            default -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    @ExceptionHandler(TaskRejectedException.class)
    ResponseEntity<Object> rejected(TaskRejectedException e, HttpServletRequest request) {
        if (e instanceof QuotaExceededException quota) {
            return quotaExceeded(quota, request);
        }
        if (e instanceof RangeNotSatisfiableException range) {
            ResponseEntity<Object> response = respond(statusOf(e.code()), e.code().name(), e.getMessage(), List.of(), request);
            return ResponseEntity.status(response.getStatusCode()).headers(response.getHeaders())
                    .header(HttpHeaders.CONTENT_RANGE, "bytes */" + range.length()).body(response.getBody());
        }
        if (e instanceof RetryLaterException later) {
            return withRetryAfter(respond(statusOf(e.code()), e.code().name(), e.getMessage(), e.violations(), request),
                    Math.max(1, (later.retryAfter().toMillis() + 999) / 1000));
        }
        return respond(statusOf(e.code()), e.code().name(), e.getMessage(), e.violations(), request);
    }

    /** 429 saying when the quota period resets: {@code Retry-After} in seconds and {@code resetsAt} in the body. */
    private ResponseEntity<Object> quotaExceeded(QuotaExceededException e, HttpServletRequest request) {
        long seconds = Math.max(1, (long) Math.ceil(Duration.between(clock.instant(), e.resetsAt()).toMillis() / 1000.0));
        HttpStatus status = statusOf(e.code());
        ErrorBody body = problems.body(status, e.code().name(), e.getMessage(), List.of(), request.getRequestURI());
        if (body instanceof Problem problem) {
            body = problem.with(new Problem.Quota(e.resetsAt().toString(), e.limit(), e.used(), e.requested()));
        }
        return withRetryAfter(ResponseEntity.status(status).contentType(problems.contentType(request.getRequestURI()))
                .body(body), seconds);
    }

    @ExceptionHandler(CommandExecutionException.class)
    ResponseEntity<Object> commandFailed(CommandExecutionException e, HttpServletRequest request) {
        if (DatabaseOutage.causedBy(e)) {
            return databaseUnavailable(e, request);
        }
        Throwable cause = e.getCause();
        if (cause instanceof TaskRejectedException rejected) {
            return rejected(rejected, request);
        }
        if (cause instanceof AggregateNotFoundException) {
            return respond(HttpStatus.NOT_FOUND, ErrorCode.TASK_NOT_FOUND.name(), "No such task", List.of(), request);
        }
        if (cause instanceof ConcurrencyException concurrent) {
            return concurrentUpdate(concurrent, request);
        }
        if (cause instanceof AggregateStreamCreationException raced) {
            return raceOnCreate(raced, request);
        }
        return unexpected(e, request);
    }

    /**
     * Two nodes appended to the same stream (a user's account, most often) at once: the loser's whole unit of work
     * rolled back, so nothing of the request is stored. 409 with {@code Retry-After: 1}; with the same
     * {@code Idempotency-Key} a retry is safe.
     */
    @ExceptionHandler(ConcurrencyException.class)
    ResponseEntity<Object> concurrentUpdate(ConcurrencyException e, HttpServletRequest request) {
        if (DatabaseOutage.causedBy(e)) {
            // Axon's storage engine reads a connection lost during an append as a key collision: it was not one
            return databaseUnavailable(e, request);
        }
        log.info("Concurrent update on {} {}: {}", request.getMethod(), request.getRequestURI(), e.getMessage());
        return withRetryAfter(respond(statusOf(ErrorCode.CONCURRENT_UPDATE), ErrorCode.CONCURRENT_UPDATE.name(),
                "Another request changed the same data at the same moment; nothing was stored, retry shortly",
                List.of(), request), 1);
    }

    /**
     * A create whose unit of work collided with another append (Axon reports any collision in a batch that creates a
     * stream this way; fresh ids never collide with each other): the same as {@link #concurrentUpdate}.
     */
    @ExceptionHandler(AggregateStreamCreationException.class)
    ResponseEntity<Object> raceOnCreate(AggregateStreamCreationException e, HttpServletRequest request) {
        return concurrentUpdate(new ConcurrencyException(e.getMessage(), e), request);
    }

    @ExceptionHandler(AggregateNotFoundException.class)
    ResponseEntity<Object> notFound(AggregateNotFoundException e, HttpServletRequest request) {
        return respond(HttpStatus.NOT_FOUND, ErrorCode.TASK_NOT_FOUND.name(), "No such task", List.of(), request);
    }

    /** The body arrived below the minimum rate or after its deadline ({@code reelay.http.*}); the connection closes. */
    private ResponseEntity<Object> tooSlow(HttpServletRequest request) {
        return ResponseEntity.status(HttpStatus.REQUEST_TIMEOUT).header(HttpHeaders.CONNECTION, "close")
                .contentType(problems.contentType(request.getRequestURI()))
                .body(problems.body(HttpStatus.REQUEST_TIMEOUT, "REQUEST_TOO_SLOW",
                        "The request body arrived too slowly", List.of(), request.getRequestURI()));
    }

    private ResponseEntity<Object> tooLarge(HttpServletRequest request) {
        return respond(HttpStatus.PAYLOAD_TOO_LARGE, ErrorCode.PAYLOAD_TOO_LARGE.name(),
                "Upload exceeds the allowed size", List.of(), request);
    }

    @ExceptionHandler(MultipartException.class)
    ResponseEntity<Object> badMultipart(MultipartException e, HttpServletRequest request) {
        if (hasCause(e, SlowBodyFilter.RequestTooSlowException.class)) {
            return tooSlow(request);
        }
        if (isTooLarge(e)) {
            return tooLarge(request);
        }
        return respond(HttpStatus.BAD_REQUEST, ErrorCode.MALFORMED_REQUEST.name(),
                "The multipart body could not be read", List.of(), request);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Object> typeMismatch(MethodArgumentTypeMismatchException e, HttpServletRequest request) {
        if (hasCause(e, InstantParameters.OutOfRange.class)) {
            String message = e.getName() + " " + new InstantParameters.OutOfRange().getMessage();
            return respond(HttpStatus.BAD_REQUEST, ErrorCode.MALFORMED_REQUEST.name(), message,
                    List.of(new FieldViolation(e.getName(), "RANGE", message)), request);
        }
        return respond(HttpStatus.BAD_REQUEST, ErrorCode.MALFORMED_REQUEST.name(), "Invalid value for " + e.getName(),
                List.of(new FieldViolation(e.getName(), "TYPE", "invalid value")), request);
    }

    /** A route that needs a caller found none usable (see {@code CallerResolver}): the same 401 as a bad token. */
    @ExceptionHandler(AuthenticationException.class)
    ResponseEntity<Object> unauthenticated(AuthenticationException e, HttpServletRequest request) {
        ResponseEntity<Object> response = respond(HttpStatus.UNAUTHORIZED, "UNAUTHENTICATED",
                "A valid bearer token is required", List.of(), request);
        return ResponseEntity.status(response.getStatusCode()).headers(response.getHeaders())
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer").body(response.getBody());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception e, HttpServletRequest request) {
        if (DatabaseOutage.causedBy(e)) {
            return databaseUnavailable(e, request);
        }
        if (hasCause(e, SlowBodyFilter.RequestTooSlowException.class)) {
            return tooSlow(request);
        }
        if (isTooLarge(e)) {
            return tooLarge(request);
        }
        log.error("Unexpected error on {} {}", request.getMethod(), request.getRequestURI(), e);
        return respond(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
                "Something went wrong on our side; quote the traceId when reporting it", List.of(), request);
    }

    /** PostgreSQL is away: one line in the log (the outage is logged by the pool too), 503 and when to retry. */
    private ResponseEntity<Object> databaseUnavailable(Exception e, HttpServletRequest request) {
        log.warn("Database unavailable on {} {}: {}", request.getMethod(), request.getRequestURI(), e.toString());
        return withRetryAfter(respond(HttpStatus.SERVICE_UNAVAILABLE, DatabaseOutage.CODE, DatabaseOutage.DETAIL,
                List.of(), request), DatabaseOutage.RETRY_AFTER_SECONDS);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        HttpServletRequest servletRequest = ((ServletWebRequest) request).getRequest();
        if (hasCause(ex, SlowBodyFilter.RequestTooSlowException.class)) {
            return tooSlow(servletRequest);
        }
        if (isTooLarge(ex)) {
            return tooLarge(servletRequest);
        }
        Throwable cause = ex.getCause();
        List<FieldViolation> errors = List.of();
        String detail = "The request body is not valid JSON";
        if (cause instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining("."));
            String expected = mapping instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null
                    ? mismatch.getTargetType().getSimpleName() : "another type";
            detail = "Field '" + field + "' has the wrong type; expected " + expected;
            errors = List.of(new FieldViolation(field, "TYPE", detail));
        } else if (cause instanceof JsonProcessingException json && json.getLocation() != null) {
            detail = "The request body is not valid JSON (line " + json.getLocation().getLineNr()
                    + ", column " + json.getLocation().getColumnNr() + ")";
        } else if (cause == null) {
            detail = "The request body is missing or unreadable";
        }
        return respond(HttpStatus.BAD_REQUEST, ErrorCode.MALFORMED_REQUEST.name(), detail, errors, servletRequest);
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        List<FieldViolation> errors = ex.getFieldErrors().stream()
                .map(f -> new FieldViolation(f.getField(), f.getCode(), f.getDefaultMessage()))
                .toList();
        return respond(HttpStatus.UNPROCESSABLE_ENTITY, ErrorCode.VALIDATION_FAILED.name(),
                "The request has invalid fields", errors, ((ServletWebRequest) request).getRequest());
    }

    /** Spring's own MVC errors (404, 405, 406, 415, missing parameters…) get our shape and a code too. */
    @Override
    protected ResponseEntity<Object> createResponseEntity(Object body, HttpHeaders headers, HttpStatusCode status,
                                                          WebRequest request) {
        String detail = body instanceof ProblemDetail pd && pd.getDetail() != null ? pd.getDetail()
                : HttpStatus.valueOf(status.value()).getReasonPhrase();
        String code = ProblemWriter.codeFor(status.value());
        String path = ((ServletWebRequest) request).getRequest().getRequestURI();
        HttpHeaders out = new HttpHeaders();
        out.addAll(headers);
        out.setContentType(problems.contentType(path));
        return new ResponseEntity<>(problems.body(status, code, detail, List.of(), path), out, status);
    }

    private ResponseEntity<Object> respond(HttpStatus status, String code, String detail,
                                           List<FieldViolation> errors, HttpServletRequest request) {
        return ResponseEntity.status(status)
                .contentType(problems.contentType(request.getRequestURI()))
                .body(problems.body(status, code, detail, errors, request.getRequestURI()));
    }

    private static ResponseEntity<Object> withRetryAfter(ResponseEntity<Object> response, long seconds) {
        return ResponseEntity.status(response.getStatusCode()).headers(response.getHeaders())
                .header(HttpHeaders.RETRY_AFTER, String.valueOf(seconds)).body(response.getBody());
    }

    /**
     * A body over a size limit, whoever counted it: our own filter, Tomcat's multipart parser (a whole request or one
     * file part over its limit) or Spring's multipart resolver, which wraps Tomcat's refusal.
     */
    private static boolean isTooLarge(Throwable e) {
        return hasCause(e, BodySizeLimitFilter.PayloadTooLargeException.class)
                || hasCause(e, MaxUploadSizeExceededException.class)
                || hasCause(e, SizeException.class);
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
