package dev.reelay.infra.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.reelay.kernel.task.FieldViolation;

import java.math.BigDecimal;
import java.net.URI;
import java.util.List;

/**
 * An RFC 9457 problem as Reelay writes it: the standard members, then the stable {@code code}, the fields at fault
 * ({@code errors}, only when there are some), the {@code traceId} of the request and, for a refused quota, when it
 * resets and how much is used. Absent members are left out, as Spring's {@code ProblemDetail} does.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(URI type, String title, int status, String detail, URI instance, String code,
                      List<FieldViolation> errors, String traceId, @JsonUnwrapped Quota quota) implements ErrorBody {

    /** The same problem with the quota it refers to. */
    public Problem with(Quota quota) {
        return new Problem(type, title, status, detail, instance, code, errors, traceId, quota);
    }

    /** Why a submission was refused for quota: {@code resetsAt} (ISO-8601) and the video-seconds involved. */
    public record Quota(String resetsAt, BigDecimal limit, BigDecimal used, BigDecimal requested) {
    }
}
