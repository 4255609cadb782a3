package dev.reelay.infra.web;

import dev.reelay.kernel.event.AuditMetaData;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Gives every request a correlation id (from {@code X-Correlation-Id} or new) and a trace id (from a W3C
 * {@code traceparent} or new); they go into the log context, the response headers and every event's metadata.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class TraceContextFilter extends OncePerRequestFilter {

    public static final String CORRELATION_ID = "correlationId";
    /** The log context's key, which Micrometer Tracing also writes (with a span's id) when tracing is on. */
    public static final String TRACE_ID = "traceId";
    /**
     * The request's own trace id, for what it writes (event metadata, problem bodies): tracing's scopes rewrite
     * {@link #TRACE_ID} as spans open and close, this key only the request's filters set.
     */
    public static final String REQUEST_TRACE_ID = AuditMetaData.REQUEST_TRACE_ID_LOG_KEY;

    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,100}");
    private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String correlationId = request.getHeader("X-Correlation-Id");
        if (correlationId == null || !SAFE_ID.matcher(correlationId).matches()) {
            correlationId = UUID.randomUUID().toString();
        }
        String traceId = traceIdFrom(request.getHeader("traceparent"));
        MDC.put(CORRELATION_ID, correlationId);
        MDC.put(TRACE_ID, traceId);
        MDC.put(REQUEST_TRACE_ID, traceId);
        response.setHeader("X-Correlation-Id", correlationId);
        response.setHeader("X-Trace-Id", traceId);
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove(CORRELATION_ID);
            MDC.remove(TRACE_ID);
            MDC.remove(REQUEST_TRACE_ID);
        }
    }

    private static String traceIdFrom(String traceparent) {
        if (traceparent != null) {
            var matcher = TRACEPARENT.matcher(traceparent.trim());
            if (matcher.matches()) {
                return matcher.group(1);
            }
        }
        return UUID.randomUUID().toString().replace("-", "");
    }
}
