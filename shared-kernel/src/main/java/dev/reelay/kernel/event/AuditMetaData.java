package dev.reelay.kernel.event;

import java.util.List;

/**
 * The metadata keys every command and event carries for the audit: who caused it and from which request. Infra puts
 * them on each command at dispatch, Axon copies them onto the events it produces, and the history route reads them.
 */
public final class AuditMetaData {

    /** The subject of the token that caused the message, or {@code system…} for Reelay's own work. */
    public static final String PRINCIPAL = "principal";
    /** The request's correlation id (the client's {@code X-Correlation-Id}, or one made for the request). */
    public static final String CORRELATION_ID = "correlationId";
    /** The trace id of the request that started the work. */
    public static final String TRACE_ID = "traceId";

    /**
     * Not a message key: the log-context (MDC) key under which the web layer keeps the request's own trace id, the
     * value of {@link #TRACE_ID} for what the request writes. Tracing rewrites the log context's {@code traceId} as
     * spans open and close; this key only the request's filters set.
     */
    public static final String REQUEST_TRACE_ID_LOG_KEY = "requestTraceId";

    /** Every audit key, in the order the history route shows them. */
    public static final List<String> KEYS = List.of(PRINCIPAL, CORRELATION_ID, TRACE_ID);

    private AuditMetaData() {
    }
}
