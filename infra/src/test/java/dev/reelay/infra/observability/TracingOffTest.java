package dev.reelay.infra.observability;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.otel.bridge.EventPublishingContextWrapper;
import io.micrometer.tracing.otel.bridge.Slf4JEventListener;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With tracing off (the default) no span is recorded for nobody (issue 16), and a request still has its trace id.
 */
@ReelayIntegrationTest
class TracingOffTest {

    @LocalServerPort
    int port;
    @Autowired
    Tracer tracer;
    @Autowired
    Slf4JEventListener logListener;

    @Test
    void withTracingOffNoSpanIsSampledAndARequestStillHasItsTraceId() {
        Span span = tracer.nextSpan().name("probe").start();
        try {
            assertThat(span.context().sampled()).isFalse();
        } finally {
            span.end();
        }
        HttpApi api = new HttpApi(port);
        HttpApi.Response listed = api.get("/api/video/tasks", api.token("tracing-off-user"));
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.header("X-Trace-Id")).matches("[0-9a-f]{32}");
    }

    @Test
    void aSpansScopeLeavesTheRequestsTraceIdInTheLogContext() {
        // Micrometer's default listener would put this span's trace id into the log context when its scope opens.
        // (Called directly: OpenTelemetry's scope listeners are JVM-wide, so another test context's would also run.)
        io.opentelemetry.api.trace.Span span = io.opentelemetry.api.trace.Span.wrap(SpanContext.create(
                "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", TraceFlags.getDefault(), TraceState.getDefault()));
        MDC.put("traceId", "0123456789abcdef0123456789abcdef");
        try {
            logListener.onEvent(new EventPublishingContextWrapper.ScopeAttachedEvent(Context.root().with(span)));
            assertThat(MDC.get("traceId")).isEqualTo("0123456789abcdef0123456789abcdef");
        } finally {
            MDC.remove("traceId");
        }
    }
}
