package dev.reelay.infra.web;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerMapping;

import java.io.IOException;
import java.util.Map;

/**
 * With tracing on, one trace id for a request everywhere: the server span that Spring's observation filter opens
 * (after {@link TraceContextFilter}, which must run first so that even a request refused before it has a trace id)
 * continues an incoming {@code traceparent} or starts a trace of its own. This filter, after both, makes the span's
 * trace id the request's: in the log context, {@code X-Trace-Id} and so in every event the request writes. A route
 * that names a task tags the span with it ({@code reelay.video_id}). With tracing off there is no tracer and this
 * does nothing, and so does an unsampled span.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2)
class SpanTraceIdFilter extends OncePerRequestFilter {

    static final String VIDEO_ID_TAG = "reelay.video_id";

    /** Null without a tracer bean; looked up once (asking the bean factory at every request cost 1.2 % of samples). */
    private final Tracer tracer;

    SpanTraceIdFilter(ObjectProvider<Tracer> tracer) {
        this.tracer = tracer.getIfAvailable();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Span candidate = tracer == null ? null : tracer.currentSpan();
        // a caller's traceparent always names the trace (TraceContextFilter took it; a span continues it); without
        // one, an exported span's new id does, and an unsampled span keeps the id TraceContextFilter made up
        Span span = candidate != null && !candidate.isNoop() && Boolean.TRUE.equals(candidate.context().sampled())
                ? candidate : null;
        if (span != null && request.getHeader("traceparent") == null) {
            String traceId = span.context().traceId();
            MDC.put(TraceContextFilter.TRACE_ID, traceId);
            MDC.put(TraceContextFilter.REQUEST_TRACE_ID, traceId);
            response.setHeader("X-Trace-Id", traceId);
        }
        try {
            chain.doFilter(request, response);
        } finally {
            if (span != null
                    && request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE) instanceof Map<?, ?> variables
                    && variables.get("videoId") instanceof String videoId) {
                span.tag(VIDEO_ID_TAG, videoId);
            }
        }
    }
}
