package dev.reelay.infra.observability;

import dev.reelay.infra.support.HttpApi;
import dev.reelay.infra.support.ReelayIntegrationTest;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
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
    void anUnsampledSpansScopeLeavesTheRequestsTraceIdInTheLogContext() {
        Span span = tracer.nextSpan().name("probe").start();
        MDC.put("traceId", "0123456789abcdef0123456789abcdef");
        try (Tracer.SpanInScope ignored = tracer.withSpan(span)) {
            assertThat(MDC.get("traceId")).isEqualTo("0123456789abcdef0123456789abcdef");
        } finally {
            span.end();
            MDC.remove("traceId");
        }
    }
}
