package dev.reelay.infra.web;

import io.micrometer.tracing.otel.bridge.Slf4JEventListener;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With {@code management.tracing.enabled=false} (the default here) Spring Boot still builds the OpenTelemetry tracer
 * and samples every span at {@code management.tracing.sampling.probability} (1.0); only the exporters are switched
 * off. So every request and provider call recorded spans, with their attributes and events, for nobody: about 2 % of
 * the app's CPU per create (docs/benchmarks.md, issue 16). With tracing off, no span is sampled: spans stay
 * non-recording, the request keeps the trace id {@link TraceContextFilter} gave it (as {@link SpanTraceIdFilter}
 * already does for an unsampled span). {@code management.tracing.enabled=true} leaves Spring Boot's sampler alone.
 * <p>
 * An unsampled span still has a trace id of its own, and Micrometer's log listener would put it into the log context
 * ({@code traceId}) whenever its scope opens, over the request's id: log lines would then name a trace id the client
 * never saw in {@code X-Trace-Id}. With tracing off that listener does nothing. (What a request writes reads
 * {@link TraceContextFilter#REQUEST_TRACE_ID}, which no listener touches.)
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "management.tracing", name = "enabled", havingValue = "false")
class TracingOffConfiguration {

    @Bean
    Sampler noSpanSampledWhileTracingIsOff() {
        return Sampler.alwaysOff();
    }

    @Bean
    Slf4JEventListener requestTraceIdStaysInTheLogContext() {
        return new Slf4JEventListener() {
            @Override
            public void onEvent(Object event) {
                // the request's trace id (TraceContextFilter) stays in the log context
            }
        };
    }
}
